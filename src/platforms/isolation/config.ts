import { z } from 'zod';
import { CutoverError, ErrorCode } from '../../core/errors.ts';

/**
 * How deployer code (instances, command hooks, `command` providers) is
 * isolated from the control plane:
 * - `user`: run as an unprivileged user and group (the server must be root);
 * - `bubblewrap`: run in a bwrap sandbox that shows the revision and hides the data dir;
 * - `auto`: `user` when the server is root, else `bubblewrap` when bwrap works,
 *   else unisolated in development only (other environments refused);
 * - `none`: the opt-out: everything runs as the server itself, logged loudly.
 */
export const ISOLATION_MODES = ['auto', 'user', 'bubblewrap', 'none'] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];

export interface RunAs {
  user: string;
  group: string;
}

export interface IsolationConfig {
  mode: IsolationMode;
  /** Who deployer code runs as in `user` mode. @default nobody / nogroup */
  runAs: RunAs;
  /** Per environment accounts, e.g. production's own user so it cannot read development's revisions. */
  environments: Record<string, Partial<RunAs>>;
  /** Where revisions are unpacked; outside the data dir. @default `<data-dir>-revisions` */
  revisionsDir: string | null;
}

export const DEFAULT_RUN_AS: RunAs = { user: 'nobody', group: 'nogroup' };

const account = z.string().regex(/^([a-z_][a-z0-9_-]{0,31}\$?|\d{1,10})$/i, { error: 'expected a user or group name, or a numeric id' });
const schema = z.strictObject({
  mode: z.enum(ISOLATION_MODES).default('auto'),
  user: account.optional(),
  group: account.optional(),
  environments: z.record(z.string(), z.strictObject({ user: account.optional(), group: account.optional() })).default({}),
  revisionsDir: z.string().min(1).optional(),
});

/** The `isolation:` section of the server's config file. */
export function parseIsolationConfig(input: unknown): IsolationConfig {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ path: ['isolation', ...issue.path].map(String).join('.'), message: issue.message }));
    throw new CutoverError(ErrorCode.InvalidRequest, `the isolation section is not valid; it takes mode (${ISOLATION_MODES.join(', ')}), user, group, environments and revisionsDir`, { problems });
  }
  const { mode, user, group, environments, revisionsDir } = parsed.data;
  return { mode, runAs: { user: user ?? DEFAULT_RUN_AS.user, group: group ?? DEFAULT_RUN_AS.group }, environments, revisionsDir: revisionsDir ?? null };
}
