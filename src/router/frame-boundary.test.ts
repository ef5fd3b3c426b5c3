import { describe, expect, it } from 'vitest';
import { FrameBoundary, clientCloseFrame, serverCloseFrame } from './frame-boundary.ts';

/** A frame as a server would send it (unmasked), or a client (masked). */
function frame(payloadLength: number, masked = false): Buffer {
  const length = payloadLength < 126 ? [payloadLength] : payloadLength < 65536 ? [126, payloadLength >> 8, payloadLength & 0xff] : [127, 0, 0, 0, 0, (payloadLength >>> 24) & 0xff, (payloadLength >> 16) & 0xff, (payloadLength >> 8) & 0xff, payloadLength & 0xff];
  return Buffer.concat([Buffer.from([0x82, (masked ? 0x80 : 0) | length[0]!, ...length.slice(1)]), masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0), Buffer.alloc(payloadLength, 7)]);
}

describe('FrameBoundary', () => {
  it('finds where each frame ends, whatever the sizes and however the bytes are split', () => {
    const frames = [frame(0), frame(5), frame(125, true), frame(126), frame(70_000, true), frame(3)];
    const stream = Buffer.concat(frames);
    for (const chunkSize of [1, 2, 7, 1000, stream.length]) {
      const boundary = new FrameBoundary();
      const ends: number[] = [];
      for (let offset = 0; offset < stream.length; offset += chunkSize) {
        const chunk = stream.subarray(offset, offset + chunkSize);
        let at = 0;
        while (true) {
          const end = boundary.advance(chunk, at);
          if (end === -1) break;
          ends.push(offset + end);
          at = end;
        }
      }
      let total = 0;
      expect(ends).toEqual(frames.map((f) => (total += f.length)));
      expect(boundary.atBoundary).toBe(true);
    }
  });

  it('is not at a boundary in the middle of a frame', () => {
    const boundary = new FrameBoundary();
    boundary.consume(frame(10).subarray(0, 5));
    expect(boundary.atBoundary).toBe(false);
  });

  it('writes close frames with the code in network order, masked from the client side', () => {
    expect([...serverCloseFrame(1001, '')]).toEqual([0x88, 2, 0x03, 0xe9]);
    const masked = clientCloseFrame(1001, '', Buffer.from([1, 2, 3, 4]));
    expect([...masked]).toEqual([0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe9 ^ 2]);
  });
});
