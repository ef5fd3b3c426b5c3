import { mkdirSync, openSync, closeSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DockerEngine } from './engine-api.ts';

/**
 * Copies a container's output into the instance's log file, where `cutover
 * logs` reads it as for a process. The engine keeps the output while the
 * control plane is down; a restarted one resumes from the file's last write
 * (its mtime, to the nanosecond: `since` of the logs call), so nothing is
 * lost and at most lines written in the same instant are copied twice. The
 * promise ends when the container stops (its output is complete then).
 * A swarm service's output is read the same way, through the manager.
 */
export async function copyLogs(engine: DockerEngine, container: string, logPath: string, kind: 'containers' | 'services' = 'containers'): Promise<void> {
  mkdirSync(dirname(logPath), { recursive: true });
  const response = await engine.open({
    path: `/${kind}/${container}/logs`,
    query: { follow: 1, stdout: 1, stderr: 1, since: lastWrite(logPath) },
    unref: true,
  });
  const fd = openSync(logPath, 'a', 0o600);
  try {
    let pending: Buffer = Buffer.alloc(0);
    for await (const chunk of response) {
      pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      // Without a TTY the engine multiplexes stdout and stderr: an 8-byte header (stream, 0, 0, 0, size as uint32 BE), then the bytes.
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        writeSync(fd, pending, 8, size);
        pending = pending.subarray(8 + size);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The log file's last write as the engine's `since` (seconds.nanoseconds); 0 without a file. */
function lastWrite(logPath: string): string {
  try {
    const ns = statSync(logPath, { bigint: true }).mtimeNs;
    return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
  } catch {
    return '0';
  }
}
