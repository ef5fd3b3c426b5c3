/** One Server-Sent Event. */
export interface SseEvent {
  id: string;
  event: string;
  data: string;
}

/** Parses an SSE byte stream into events (the WHATWG format: fields per line, blank line ends an event). */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let current: SseEvent = { id: '', event: 'message', data: '' };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
      if (line === '') {
        if (current.data !== '') yield { ...current, data: current.data.replace(/\n$/, '') };
        current = { id: current.id, event: 'message', data: '' };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') current.data += `${value}\n`;
      else if (field === 'id') current.id = value;
      else if (field === 'event') current.event = value;
    }
  }
}
