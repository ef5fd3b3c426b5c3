/**
 * Where WebSocket frames (RFC 6455 §5.2) end in a byte stream the router
 * relays without decoding it. The router needs this only to close a tunnel
 * cleanly: a close frame may be written between two frames, never inside one.
 * Only the headers are read; payloads are skipped by length.
 */
export class FrameBoundary {
  /** Header bytes of the frame being read (at most 14). */
  private readonly header = new Uint8Array(14);
  private headerLength = 0;
  /** Payload bytes still to skip; -1 while the header is incomplete. */
  private remaining = -1;

  /** True between two frames: a frame of our own may be written now. */
  get atBoundary(): boolean {
    return this.headerLength === 0 && this.remaining === -1;
  }

  /**
   * Reads `chunk` from `start`; answers the offset just after the first frame
   * that ends in it (stopping there), or -1 when none ends in it (all read).
   */
  advance(chunk: Uint8Array, start = 0): number {
    let at = start;
    while (at < chunk.length) {
      if (this.remaining === -1) {
        this.header[this.headerLength++] = chunk[at++]!;
        const needed = this.headerSize();
        if (this.headerLength < needed) continue;
        this.remaining = this.payloadLength();
        this.headerLength = 0;
        if (this.remaining === 0) {
          this.remaining = -1;
          return at;
        }
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      at += take;
      this.remaining -= take;
      if (this.remaining === 0) {
        this.remaining = -1;
        return at;
      }
    }
    return -1;
  }

  /** Reads all of `chunk`. */
  consume(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      const end = this.advance(chunk, at);
      if (end === -1) return;
      at = end;
    }
  }

  /** The header's full size, as far as the bytes read so far tell. */
  private headerSize(): number {
    if (this.headerLength < 2) return 2;
    const second = this.header[1]!;
    const masked = (second & 0x80) !== 0;
    const length = second & 0x7f;
    return 2 + (length === 126 ? 2 : length === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  private payloadLength(): number {
    const length = this.header[1]! & 0x7f;
    if (length < 126) return length;
    if (length === 126) return (this.header[2]! << 8) | this.header[3]!;
    // 64-bit length: the top bytes are 0 for any frame that fits in memory.
    let value = 0;
    for (let i = 2; i < 10; i++) value = value * 256 + this.header[i]!;
    return value;
  }
}

/** 1001 "going away": the endpoint is shutting down (RFC 6455 §7.4.1). */
export const GOING_AWAY = 1001;

/** A close frame as a server sends it (unmasked). */
export function serverCloseFrame(code: number, reason: string): Buffer {
  const payload = closePayload(code, reason);
  return Buffer.concat([Buffer.from([0x88, payload.length]), payload]);
}

/** A close frame as a client sends it: masked, as RFC 6455 requires of clients. */
export function clientCloseFrame(code: number, reason: string, mask: Buffer): Buffer {
  const payload = closePayload(code, reason);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), mask.subarray(0, 4), masked]);
}

function closePayload(code: number, reason: string): Buffer {
  // A control frame's payload is at most 125 bytes.
  const text = Buffer.from(reason, 'utf8').subarray(0, 123);
  const payload = Buffer.alloc(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return payload;
}
