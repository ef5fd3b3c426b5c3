import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Api, StoredEvent } from './api.ts';

type Listener = (event: StoredEvent) => void;

interface Live {
  connected: boolean;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<Live>({ connected: false, subscribe: () => () => undefined });

/** One event stream for the whole page, shared by whatever is on screen. */
export function LiveProvider({ api, children }: { api: Api; children: ComponentChildren }) {
  const listeners = useRef(new Set<Listener>());
  const [connected, setConnected] = useState(false);
  useEffect(
    () =>
      api.stream(
        (event) => listeners.current.forEach((listener) => listener(event)),
        setConnected,
      ),
    [api],
  );
  const live = useMemo<Live>(
    () => ({
      connected,
      subscribe: (listener) => {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
    }),
    [connected],
  );
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

/** Calls `listener` on every live event while the component is shown; answers whether the stream is up. */
export function useLiveEvents(listener: Listener): boolean {
  const live = useContext(LiveContext);
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => live.subscribe((event) => latest.current(event)), [live]);
  return live.connected;
}

/** The stream's state, for the page's status line. */
export function LiveBadge() {
  const connected = useContext(LiveContext).connected;
  return (
    <span class={`live ${connected ? 'on' : 'off'}`} role="status" data-testid="live">
      {connected ? 'live' : 'reconnecting…'}
    </span>
  );
}
