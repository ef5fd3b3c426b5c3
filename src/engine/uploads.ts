import type { EngineContext } from './context.ts';

/** How often unused uploads are looked for: a quarter of how long they are kept, between 1 s and 5 min. */
export function pruneIntervalMs(keptMs: number): number {
  return Math.min(300_000, Math.max(1000, Math.round(keptMs / 4)));
}

/**
 * Removes uploads no revision uses once they are `keptMs` old (issue 9,
 * finding 5: they were never removed), at start and then periodically. An
 * upload a revision names — any deployment in flight included, whose
 * revision is written before it starts — is never removed; one not yet
 * applied has `keptMs` to be.
 */
export function startUploadPruning(ctx: Pick<EngineContext, 'artifacts' | 'store' | 'log'>, keptMs: number): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const prune = () => {
    running = ctx.artifacts
      .pruneUnused((digest) => ctx.store.services.revisionsOf(digest).length > 0, keptMs)
      .then((removed) => {
        if (removed.length) ctx.log.info({ artifacts: removed.map((digest) => `sha256:${digest.slice(0, 12)}`) }, `removed ${removed.length} upload(s) no revision uses`);
      })
      .catch((error: unknown) => ctx.log.warn({ err: String(error) }, 'could not prune unused uploads; will try again'));
  };
  prune();
  const timer = setInterval(prune, pruneIntervalMs(keptMs));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
