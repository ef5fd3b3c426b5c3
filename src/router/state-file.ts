import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RouterConfig } from './wire.ts';
import { validateRouterConfig } from './config.ts';

/** The last config the router accepted; undefined when it never had one. */
export async function loadRouterConfig(path: string): Promise<RouterConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return validateRouterConfig(JSON.parse(text));
}

/**
 * Writes the config so that a crash at any instant leaves either the old
 * file or the new one: a temporary file, flushed to disk, renamed over the
 * old one, and the directory flushed so the rename itself survives. Only
 * the owner may read it (0600).
 */
export async function saveRouterConfig(path: string, config: RouterConfig): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const file = await open(temporary, 'w', 0o600);
    try {
      await file.chmod(0o600);
      await file.writeFile(`${JSON.stringify(config, null, 2)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const folder = await open(directory, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
