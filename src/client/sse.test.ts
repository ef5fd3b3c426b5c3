import { describe, expect, it } from 'vitest';
import { parseSse } from './sse.ts';

function stream(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
}

async function all(body: ReadableStream<Uint8Array>) {
  const events = [];
  for await (const event of parseSse(body)) events.push(event);
  return events;
}

describe('parseSse', () => {
  it('reads id, event and data, across chunk boundaries', async () => {
    expect(await all(stream('id: 7\nevent: Step', 'Started\ndata: {"a":1}\n\n', ': keep-alive\n\nid: 8\ndata: x\n\n'))).toEqual([
      { id: '7', event: 'StepStarted', data: '{"a":1}' },
      { id: '8', event: 'message', data: 'x' },
    ]);
  });

  it('joins multi-line data and accepts CRLF line ends', async () => {
    expect(await all(stream('data: a\r\ndata: b\r\n\r\n'))).toEqual([{ id: '', event: 'message', data: 'a\nb' }]);
  });
});
