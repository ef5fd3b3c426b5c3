/**
 * Fuzz targets over parsers that need no server: the spec loader, the
 * structured-fields parser, OSV range matching and CEL policy loading. Each
 * either accepts its input or refuses it the documented way (a CutoverError
 * whose problems name their field, a StructuredFieldError, an OSV problem);
 * anything else thrown fails the property.
 */
import fc from 'fast-check';
import { parse as parseSemver, type SemVer } from 'semver';
import { stringify } from 'yaml';
import { CutoverError, type FieldProblem } from '../../../src/core/errors.ts';
import { parseDictionary, parseItem, parseList, serializeDictionary, serializeItem, serializeList, StructuredFieldError } from '../../../src/security/signatures/structured-fields.ts';
import { parseSpecText, validateSpec } from '../../../src/spec/index.ts';
import { parseOsvRecord } from '../../../src/supply-chain/scan/osv.ts';
import { compileRange, parseVersion, rangeIncludes } from '../../../src/supply-chain/scan/osv-range.ts';
import { parsePolicies } from '../../../src/supply-chain/policy/load.ts';
import { fuzzTarget, type FuzzTarget, type Outcome } from './target.ts';

/** A refusal must be a CutoverError whose every problem names a field (a path, '' for the whole document) and says what is wrong. */
export function expectFieldRefusal(error: unknown, what: string): Outcome {
  if (!(error instanceof CutoverError)) throw new Error(`${what} threw ${String(error)} instead of a CutoverError naming the field`, { cause: error });
  const unnamed = error.problems.filter((p: FieldProblem) => typeof p.path !== 'string' || !p.message);
  if (error.problems.length === 0 || unnamed.length > 0) throw new Error(`${what} was refused without naming the field: ${error.message} ${JSON.stringify(error.problems)}`);
  return 'refused';
}

/** A valid spec document; the spec target replaces one of its parts. */
export const VALID_SPEC = {
  apiVersion: 'cutover/v1',
  kind: 'Service',
  metadata: { name: 'fuzz' },
  spec: {
    environment: 'development',
    version: '1.0.0',
    artifact: { path: '.' },
    run: { command: ['node', 'server.js'], env: { MODE: 'fuzz' } },
    instances: 2,
    port: 18080,
    healthCheck: { path: '/healthz', interval: '1s', timeout: '1s', healthyThreshold: 1, unhealthyThreshold: 3, startupTimeout: '20s' },
    strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '1s' } }, { setWeight: 50 }] } },
    drainTimeout: '10s',
    progressDeadline: '2m',
  },
};

/** Every path into a value: ['spec'], ['spec', 'healthCheck', 'timeout'], ['spec', 'run', 'command', 0]… */
export function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, child]) => pathsOf(child, [...prefix, key]))];
}

/** A copy of `base` with the value at `path` replaced (the whole of it when `path` is empty; unchanged when an earlier replacement removed the path). */
export function replaceAt(base: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node: unknown = copy;
  for (const key of path.slice(0, -1)) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  if (node !== null && typeof node === 'object') (node as Record<string | number, unknown>)[path[path.length - 1]!] = value;
  return copy;
}

/** Durations near and past every bound: "1200h", "-1s", "1e400ms", "9007199254740993ms"… */
export const durationLike = fc.oneof(
  fc.tuple(fc.oneof(fc.nat(), fc.integer({ min: -10, max: 10 }), fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 53 + 1, 1e21)), fc.constantFrom('ms', 's', 'm', 'h', 'd', '', 'us', 'w')).map(([n, unit]) => `${n}${unit}`),
  fc.constantFrom('1.5s', '1e3ms', '1e400ms', 'Infinity', 'NaN', '0x10s', ' 1s', '1 s', '1h30m', '597h', '1200h', '24855d'),
);

/** Values to put anywhere: JSON of any shape, odd strings and numbers, durations. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(-1, 0, 1e308, -0, 2 ** 31, 2 ** 53 + 2, 0.5, '', '../../etc/passwd', '\u0000', 'a'.repeat(10_000)),
  durationLike,
);

const SPEC_PATHS = pathsOf(VALID_SPEC);

/** The spec loader: YAML text, whole documents and one field replaced in a valid spec. */
export const specTarget: FuzzTarget = fuzzTarget(
  'spec loader',
  fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
    fc.tuple(fc.constantFrom(...SPEC_PATHS), anyValue).map(([path, value]) => stringify(replaceAt(VALID_SPEC, path, value))),
    fc.tuple(fc.constantFrom(...SPEC_PATHS), fc.constantFrom(...SPEC_PATHS), anyValue, anyValue).map(([a, b, va, vb]) => stringify(replaceAt(replaceAt(VALID_SPEC, a, va), b, vb))),
    fc.constantFrom('a: &a [*a]', 'x: !!binary zz', '{"a": 1, "a": 2}', `a: &a ["x","x"]\n${'b'.repeat(1)}: [${'*a,'.repeat(200)}*a]`),
  ),
  (text) => {
    try {
      validateSpec(parseSpecText(text, 'fuzz.yaml'), 'fuzz.yaml');
      return 'accepted';
    } catch (error) {
      return expectFieldRefusal(error, 'the spec');
    }
  },
);

const SF_CHARS = fc.constantFrom(...'abcxyz09*-_.:/%;=,()"\\?@ \t'.split(''), ':YWJj:', '"x"', '?1', '?0', '1.5', '-3', '@1700000000', '%"%c3%a9"', '(a b)');

/** The structured-fields parser (RFC 8941/9651): parse, and what it accepts serializes to text it reads back the same. */
export const structuredFieldsTarget: FuzzTarget = fuzzTarget(
  'structured fields',
  fc.tuple(fc.constantFrom('dictionary', 'list', 'item'), fc.oneof(fc.array(SF_CHARS, { maxLength: 30 }).map((parts) => parts.join('')), fc.string({ unit: 'binary', maxLength: 60 }))),
  ([kind, text]) => {
    const [parse, serialize] =
      kind === 'dictionary' ? [parseDictionary, serializeDictionary as (v: unknown) => string] : kind === 'list' ? [parseList, serializeList as (v: unknown) => string] : [parseItem, serializeItem as (v: unknown) => string];
    let parsed: unknown;
    try {
      parsed = parse(text);
    } catch (error) {
      if (error instanceof StructuredFieldError) return 'refused';
      throw error;
    }
    const again = serialize(parsed);
    const reparsed = serialize(parse(again));
    if (reparsed !== again) throw new Error(`${kind} ${JSON.stringify(text)} serializes to ${JSON.stringify(again)}, which reads back as ${JSON.stringify(reparsed)}`);
    return 'accepted';
  },
);

const versionText = fc.oneof(
  fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20), fc.option(fc.constantFrom('alpha', 'beta.1', 'rc.2', '0'), { nil: undefined })).map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ''}`),
  fc.constantFrom('0', '*', '1.x', 'v1.2.3', '1.2', '', 'latest', '99999999999999999999.0.0', '1.2.3+build', 'git:abc'),
  fc.string({ maxLength: 12 }),
);

const osvEvent = fc.oneof(
  fc.tuple(fc.constantFrom('introduced', 'fixed', 'last_affected', 'limit'), versionText).map(([kind, version]) => ({ [kind]: version })),
  fc.jsonValue({ maxDepth: 2 }),
);

/** OSV range matching: records of any shape, then every compiled range against versions; and an [introduced, fixed) range matches exactly its interval. */
export const osvTarget: FuzzTarget = fuzzTarget(
  'OSV range matching',
  fc.oneof(
    fc.record({
      type: fc.oneof(fc.constantFrom('SEMVER', 'ECOSYSTEM', 'GIT'), fc.string({ maxLength: 8 })),
      events: fc.oneof(fc.array(osvEvent, { maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })),
      probe: fc.array(versionText, { maxLength: 4 }),
    }),
    fc.tuple(fc.nat(30), fc.nat(30), fc.nat(40)).map(([a, b, v]) => ({ type: 'SEMVER', events: [{ introduced: `1.${Math.min(a, b)}.0` }, { fixed: `1.${Math.max(a, b)}.0` }], probe: [`1.${v}.0`] })),
  ),
  ({ type, events, probe }) => {
    const parsed = parseOsvRecord({ id: 'FUZZ-1', affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type, events }] }] });
    if ('problem' in parsed) {
      if (!parsed.problem) throw new Error('an OSV record was refused with no problem');
      return 'refused';
    }
    const compiled = compileRange(parsed.record.affected![0]!.ranges![0]!);
    if (!('range' in compiled)) return 'skip' in compiled ? 'accepted' : 'refused';
    for (const text of probe) {
      const version = parseVersion(text);
      if (!version) continue;
      const included = rangeIncludes(compiled.range, version);
      const bounds = interval(events);
      if (bounds && included !== (version.compare(bounds[0]) >= 0 && version.compare(bounds[1]) < 0)) {
        throw new Error(`${text} ${included ? 'matched' : 'did not match'} the range ${JSON.stringify(events)}`);
      }
    }
    return 'accepted';
  },
);

/** The [introduced, fixed) bounds of a range of exactly those two events. */
function interval(events: unknown): [SemVer, SemVer] | undefined {
  if (!Array.isArray(events) || events.length !== 2) return undefined;
  const [first, second] = events as Record<string, unknown>[];
  const from = typeof first?.introduced === 'string' ? parseSemver(first.introduced) : null;
  const to = typeof second?.fixed === 'string' ? parseSemver(second.fixed) : null;
  return from && to && Object.keys(first!).length === 1 && Object.keys(second!).length === 1 ? [from, to] : undefined;
}

const celText = fc.oneof(
  fc.array(fc.constantFrom('deployment', '.', 'artifact', 'signed', 'environment', '==', '!=', '&&', '||', '!', '(', ')', '"production"', "'x'", '1', '2.5', 'true', 'null', '[', ']', '{', '}', ':', ',', 'size', 'has', 'startsWith', 'matches', '?', 'in', ' ', '\\', 'b"\\xff"', '1/0', 'int("x")', '*'.repeat(3)), { maxLength: 16 }).map((t) => t.join('')),
  fc.constantFrom('deployment.environment == "production"', 'has(deployment.artifact.signature)', '1 +', '"a".matches("(")', 'x'.repeat(5000), '('.repeat(500) + ')'.repeat(500), '[' + '1,'.repeat(2000) + '1]', '(['.repeat(300) + '1', '1+'.repeat(1500) + '1'),
  fc.string({ maxLength: 40 }),
);

/** CEL policy loading: policy files of any shape with CEL-like expressions; refusals name the policy's field. */
export const celPolicyTarget: FuzzTarget = fuzzTarget(
  'CEL policy loading',
  fc.oneof(
    fc.record({
      defaults: fc.oneof(fc.boolean(), anyValue),
      policies: fc.array(fc.record({ name: fc.oneof(fc.constantFrom('fuzz-one', 'fuzz-two', 'Bad Name'), fc.string({ maxLength: 10 })), expression: celText, message: fc.oneof(fc.constant('denied'), anyValue), environments: fc.option(fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), { nil: undefined }) }, { requiredKeys: [] }), { maxLength: 3 }),
    }, { requiredKeys: [] }).map((doc) => stringify(doc)),
    fc.string({ unit: 'grapheme-ascii', maxLength: 120 }),
  ),
  (text) => {
    try {
      parsePolicies(text, 'fuzz-policies.yaml');
      return 'accepted';
    } catch (error) {
      return expectFieldRefusal(error, 'the policy file');
    }
  },
);

export const PURE_TARGETS: readonly FuzzTarget[] = [specTarget, structuredFieldsTarget, osvTarget, celPolicyTarget];
