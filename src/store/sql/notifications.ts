import type { NotificationListener } from './port.ts';

/** PostgreSQL's channel names are identifiers: the same rule on both engines, so a name that works on one works on the other. */
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`notification channel ${JSON.stringify(channel)} is not a lower-case identifier of at most 63 characters`);
}

/**
 * Listeners by channel, called asynchronously (never inside the statement or
 * transaction that sent the notification, as with PostgreSQL's LISTEN).
 */
export class Listeners {
  private readonly byChannel = new Map<string, Set<NotificationListener>>();

  add(channel: string, listener: NotificationListener): () => void {
    checkChannel(channel);
    let set = this.byChannel.get(channel);
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byChannel.delete(channel);
    };
  }

  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  has(channel: string): boolean {
    return this.byChannel.has(channel);
  }

  deliver(channel: string, payload: string): void {
    const set = this.byChannel.get(channel);
    if (!set) return;
    for (const listener of [...set]) setImmediate(() => listener(payload));
  }
}
