/**
 * A hand-made tar writer for the artifact fuzz target: unlike a tar library it
 * writes whatever it is told — `../` and absolute paths, links out of the
 * tree, setuid modes, sizes that lie — which is the point.
 */
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  path: string;
  /** '0' file, '5' folder, '2' symlink, '1' hard link, others as given. */
  type: string;
  mode: number;
  linkpath?: string;
  content?: Buffer;
  /** The size written in the header; the content's length when absent. */
  declaredSize?: number;
  /** The owner written in the header. @default 0 */
  uid?: number;
  gid?: number;
}

function field(text: string, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  buffer.write(text.slice(0, length), 'utf8');
  return buffer;
}

function octal(value: number, length: number): Buffer {
  const text = Math.max(0, Math.floor(value)).toString(8);
  return field(text.length < length ? text.padStart(length - 1, '0') : text.slice(-length), length);
}

function header(entry: TarEntry): Buffer {
  const size = entry.declaredSize ?? entry.content?.length ?? 0;
  const block = Buffer.concat([
    field(entry.path, 100), octal(entry.mode, 8), octal(entry.uid ?? 0, 8), octal(entry.gid ?? 0, 8), octal(size, 12), octal(1_700_000_000, 12),
    Buffer.from('        '), field(entry.type, 1), field(entry.linkpath ?? '', 100), field('ustar', 6), field('00', 2),
    Buffer.alloc(512 - 265),
  ]);
  let sum = 0;
  for (const byte of block) sum += byte;
  octal(sum, 7).copy(block, 148);
  return block;
}

/** The entries as a gzipped tar (with its two zero blocks at the end). */
export function tarGz(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry));
    const content = entry.content ?? Buffer.alloc(0);
    parts.push(content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}
