import { readFile } from 'node:fs/promises';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';

/** Reads a JSON file the scan depends on; a file that will not parse is an error naming it. */
export async function readJsonFile(file: string, fix: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    // Editors on Windows may start a UTF-8 file with a byte-order mark, which JSON.parse rejects.
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidRequest, `${file} is not valid JSON (${messageOf(error)}); ${fix}`, {
      context: { file },
      cause: error,
    });
  }
}

/** Reads a JSON file that may or may not matter; undefined when it will not parse. */
export async function readOptionalJson(file: string): Promise<unknown> {
  try {
    return JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
