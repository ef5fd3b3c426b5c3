import { z } from 'zod';
import { DurationMax } from '../core/duration.ts';
import { duration, integer, text } from './fields.ts';
import { expected } from './messages.ts';
import { exactlyOneOf } from './rules.ts';

const mapping = (what: string) => ({ error: expected(`a mapping ${what}`) });

const hook = z
  .strictObject(
    {
      command: z.array(text(), { error: expected('a list of strings like [./migrate.sh]') }).min(1, { error: expected('a non-empty list of strings') }).optional(),
      http: z
        .strictObject(
          {
            url: text('a URL').refine((value) => /^https?:\/\/\S+$/.test(value), { error: expected('a URL starting with http:// or https://') }),
            method: z.enum(['GET', 'POST'], { error: expected('GET or POST') }).default('POST'),
            headers: z.record(z.string(), z.string({ error: expected('a string') })).default({}),
          },
          mapping('with url'),
        )
        .optional(),
      timeout: duration({ allowZero: false, max: DurationMax.task }).default('30s'),
      retries: integer(0, 10).default(2).describe('Further attempts after a failure, with backoff.'),
    },
    mapping('with command or http'),
  )
  .check(exactlyOneOf(['command', 'http']));

const list = z.array(hook, { error: expected('a list of hooks') }).optional();

export const hooksSchema = z
  .strictObject(
    { prepare: list, beforeTraffic: list, afterPromote: list, onRollback: list, cleanup: list },
    mapping('with prepare, beforeTraffic, afterPromote, onRollback or cleanup'),
  )
  .default({})
  .describe('Commands or HTTP calls around the deployment; a failed prepare or beforeTraffic hook rolls back before users see the new version.');
