import { readFile } from 'node:fs/promises';
import { CutoverError, ErrorCode, messageOf } from './errors.ts';

/** Reads a file a user named (a spec, a policy file), with an error that says which file and what went wrong. */
export async function readUserFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CutoverError(
      missing ? ErrorCode.NotFound : ErrorCode.InvalidRequest,
      missing ? `${what} ${file} does not exist; check the path` : `Cannot read ${what.toLowerCase()} ${file}: ${messageOf(error)}`,
      { context: { file }, cause: error },
    );
  }
}
