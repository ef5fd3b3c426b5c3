import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { loadSpecFile, parseSpecText, validateSpec } from './load.ts';
import { FIXTURES_DIR, validFixture } from '../../test/support/spec-fixtures.ts';

function invalid(run: () => unknown): CutoverError {
  try {
    run();
  } catch (error) {
    if (error instanceof CutoverError) return error;
    throw error;
  }
  throw new Error('the spec was accepted');
}

const minimal = {
  apiVersion: 'cutover/v1',
  kind: 'Service',
  metadata: { name: 'hello' },
  spec: { version: '1.0.0', artifact: { path: '.' }, run: { command: ['node', 'server.js'] }, port: 8080 },
};

describe('loadSpecFile', () => {
  it('normalizes a full canary spec to milliseconds and a typed strategy', async () => {
    const { spec, document, baseDir } = await loadSpecFile(validFixture('hello-canary.yaml'));
    expect(baseDir).toBe(path.join(FIXTURES_DIR, 'valid'));
    expect(spec).toEqual({
      name: 'hello',
      environment: 'development',
      version: '2.0.0',
      artifact: { path: '../../../../examples/hello' },
      run: { command: ['node', 'server.js'], env: { ERROR_RATE: '0' } },
      instances: 3,
      port: 8080,
      healthCheck: {
        path: '/healthz',
        intervalMs: 1000,
        timeoutMs: 2000,
        healthyThreshold: 1,
        unhealthyThreshold: 3,
        startupTimeoutMs: 30_000,
      },
      strategy: {
        type: 'canary',
        steps: [{ setWeight: 20 }, { pause: { durationMs: 10_000 } }, { setWeight: 50 }, { pause: {} }],
      },
      progressDeadlineMs: 600_000,
      drainTimeoutMs: 30_000,
      supersede: true,
      hooks: {},
      traffic: { trustedProxies: [] },
    });
    expect(document.spec.healthCheck.interval).toBe('1s');
  });

  it('normalizes a blue-green spec, keeping a zero scale-down delay', async () => {
    const { spec } = await loadSpecFile(validFixture('hello-blue-green.yaml'));
    expect(spec.strategy).toEqual({ type: 'blueGreen', autoPromote: false, previewPort: 8081, scaleDownDelayMs: 0 });
    expect(spec.healthCheck).toMatchObject({ intervalMs: 500, timeoutMs: 2000, startupTimeoutMs: 60_000 });
    expect(spec.run.env).toEqual({ ERROR_RATE: '0', LOG_LEVEL: 'info' });
  });

  it('normalizes a rolling spec with a count and a percentage', async () => {
    const { spec } = await loadSpecFile(validFixture('hello-rolling.yaml'));
    expect(spec.strategy).toEqual({ type: 'rolling', maxSurge: { count: 1 }, maxUnavailable: { percent: 25 } });
    expect(spec.drainTimeoutMs).toBe(90_000);
  });

  it('reads JSON and fills in every default', async () => {
    const { spec } = await loadSpecFile(validFixture('hello-minimal.json'));
    expect(spec).toMatchObject({
      environment: 'development',
      instances: 1,
      run: { command: ['node', 'server.js'], env: {} },
      healthCheck: {
        path: '/healthz',
        intervalMs: 1000,
        timeoutMs: 2000,
        healthyThreshold: 1,
        unhealthyThreshold: 3,
        startupTimeoutMs: 30_000,
      },
      strategy: { type: 'rolling', maxSurge: { percent: 25 }, maxUnavailable: { count: 0 } },
      progressDeadlineMs: 600_000,
      drainTimeoutMs: 30_000,
    });
  });

  it('reads traffic.trustedProxies and refuses an entry that is not an address or CIDR range, naming it', () => {
    const withProxies = (trustedProxies: unknown) => ({ ...minimal, spec: { ...minimal.spec, traffic: { trustedProxies } } });
    expect(validateSpec(withProxies(['10.0.0.0/8', '::1'])).spec.traffic).toEqual({ trustedProxies: ['10.0.0.0/8', '::1'] });
    const error = invalid(() => validateSpec(withProxies(['10.0.0.0/8', 'lb.internal'])));
    expect(error.problems).toEqual([expect.objectContaining({ path: 'spec.traffic.trustedProxies[1]', message: expect.stringContaining('CIDR range') })]);
  });

  it('reads traffic.maxConnections and refuses a cap that is not a whole number from 1 to 1,000,000', () => {
    const withCap = (maxConnections: unknown) => ({ ...minimal, spec: { ...minimal.spec, traffic: { maxConnections } } });
    expect(validateSpec(withCap(2000)).spec.traffic).toEqual({ trustedProxies: [], maxConnections: 2000 });
    for (const bad of [0, 1.5, 2_000_000, '2000']) {
      expect(invalid(() => validateSpec(withCap(bad))).problems).toEqual([expect.objectContaining({ path: 'spec.traffic.maxConnections', message: expect.stringContaining('1 to 1000000') })]);
    }
  });

  it('says a missing file does not exist', async () => {
    await expect(loadSpecFile(path.join(FIXTURES_DIR, 'nope.yaml'))).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      message: expect.stringContaining('does not exist'),
    });
  });

  it('names the file in the error of an invalid spec', async () => {
    const file = path.join(FIXTURES_DIR, 'invalid', '02-port-out-of-range.yaml');
    await expect(loadSpecFile(file)).rejects.toMatchObject({ code: ErrorCode.InvalidSpec, context: { file } });
  });
});

describe('validateSpec', () => {
  it('fills in the defaults of a minimal document', () => {
    const { document, spec } = validateSpec(minimal);
    expect(document.spec.strategy).toEqual({ rolling: { maxSurge: '25%', maxUnavailable: 0 } });
    expect(document.spec.healthCheck.startupTimeout).toBe('30s');
    expect(spec.strategy.type).toBe('rolling');
  });

  it('accepts its own validated document again, as the API does with what the CLI sends', async () => {
    const first = validateSpec(parseSpecText(await readFile(validFixture('hello-canary.yaml'), 'utf8'), 'canary'));
    const second = validateSpec(JSON.parse(JSON.stringify(first.document)));
    expect(second).toEqual(first);
  });

  it('accepts a pause written with no value as a pause until promoted', () => {
    const doc = parseSpecText(
      'apiVersion: cutover/v1\nkind: Service\nmetadata: { name: a }\n' +
        'spec:\n  version: "1"\n  artifact: { path: . }\n  run: { command: [a] }\n  port: 80\n' +
        '  strategy:\n    canary:\n      steps:\n        - pause:\n        - setWeight: 10\n',
      'inline.yaml',
    );
    expect(validateSpec(doc).spec.strategy).toEqual({ type: 'canary', steps: [{ pause: {} }, { setWeight: 10 }] });
  });

  it('accepts a setHeaderRoute step and names the field of a regex whose matching time could explode', () => {
    const withSteps = (steps: unknown[]) => ({ ...minimal, spec: { ...minimal.spec, strategy: { canary: { steps } } } });
    expect(validateSpec(withSteps([{ setHeaderRoute: { header: 'x-beta', exact: 'on' } }])).spec.strategy).toEqual({ type: 'canary', steps: [{ setHeaderRoute: { header: 'x-beta', exact: 'on' } }] });
    const problems = (steps: unknown[]) => {
      try {
        validateSpec(withSteps(steps));
      } catch (error) {
        return (error as CutoverError).problems.map((problem) => `${problem.path}: ${problem.message}`);
      }
      return [];
    };
    expect(problems([{ setHeaderRoute: { header: 'x-beta', regex: '(a+)+' } }, { setHeaderRoute: { header: 'x-beta' } }])).toEqual([
      'spec.strategy.canary.steps[0].setHeaderRoute.regex: the regex must not repeat a group that holds a repetition or an alternation, like (a+)+ or (a|b)*: their matching time can explode',
      'spec.strategy.canary.steps[1].setHeaderRoute: expected exactly one of exact or regex, got none',
    ]);
  });

  it('refuses a setMirrorRoute step in a spec served by HAProxy, naming the step and the built-in router', () => {
    const doc = { ...minimal, spec: { ...minimal.spec, traffic: { router: 'haproxy' }, strategy: { canary: { steps: [{ setWeight: 10 }, { setMirrorRoute: { percentage: 50 } }] } } } };
    try {
      validateSpec(doc);
      expect.unreachable('validateSpec accepted it');
    } catch (error) {
      expect((error as CutoverError).problems).toEqual([{ path: 'spec.strategy.canary.steps[1].setMirrorRoute', message: expect.stringMatching(/built-in router/) }]);
    }
  });

  it('accepts an empty list of canary steps', () => {
    const doc = { ...minimal, spec: { ...minimal.spec, strategy: { canary: { steps: [] } } } };
    expect(validateSpec(doc).spec.strategy).toEqual({ type: 'canary', steps: [] });
  });

  it('reports every problem at once, in the order of the document', () => {
    const error = invalid(() =>
      validateSpec({
        apiVersion: 'cutover/v1',
        kind: 'Service',
        metadata: { name: 'hello' },
        spec: {
          version: 2,
          artifact: { path: '.' },
          run: { command: ['node'], env: { ERROR_RATE: 0 } },
          instance: 3,
          port: '80a',
          healthCheck: { interval: 'fast' },
          strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 150 }] } },
        },
      }),
    );
    expect(error.code).toBe(ErrorCode.InvalidSpec);
    expect(error.message).toContain('6 problems');
    expect(error.problems).toEqual([
      { path: 'spec.version', message: expect.stringContaining('got the number 2; put it in quotes') },
      { path: 'spec.run.env.ERROR_RATE', message: expect.stringContaining('ERROR_RATE: "0"') },
      { path: 'spec.instance', message: expect.stringContaining('did you mean "instances"?') },
      { path: 'spec.port', message: 'expected an integer from 1 to 65535, got "80a"' },
      { path: 'spec.healthCheck.interval', message: 'expected a duration greater than 0 and at most "1h" like "1s" or "500ms", got "fast"' },
      { path: 'spec.strategy.canary.steps[2].setWeight', message: 'expected an integer from 0 to 100, got 150' },
    ]);
  });

  it('refuses a duration above its documented maximum, naming the field and the maximum', () => {
    const error = invalid(() =>
      validateSpec({
        apiVersion: 'cutover/v1',
        kind: 'Service',
        metadata: { name: 'hello' },
        spec: { version: '1', artifact: { path: '.' }, run: { command: ['node'] }, port: 8080, healthCheck: { timeout: '1200h' }, progressDeadline: '24h1ms' },
      }),
    );
    expect(error.problems).toEqual([
      { path: 'spec.healthCheck.timeout', message: 'expected a duration greater than 0 and at most "5m" like "1s" or "500ms", got "1200h": longer than the maximum 5m' },
      { path: 'spec.progressDeadline', message: expect.stringContaining('longer than the maximum 24h') },
    ]);
  });

  it('lists the allowed fields next to an unknown one', () => {
    const error = invalid(() => validateSpec({ ...minimal, spec: { ...minimal.spec, healthCheck: { pth: '/' } } }));
    expect(error.problems).toEqual([
      {
        path: 'spec.healthCheck.pth',
        message:
          'unknown field "pth"; did you mean "path"? Allowed here: path, interval, timeout, healthyThreshold, unhealthyThreshold, startupTimeout',
      },
    ]);
  });

  it('says a missing required field is required', () => {
    const { port: _, ...withoutPort } = minimal.spec;
    const error = invalid(() => validateSpec({ ...minimal, spec: withoutPort }));
    expect(error.problems).toEqual([{ path: 'spec.port', message: 'is required: expected an integer from 1 to 65535' }]);
  });

  it('reports rules between fields even when fields have problems too', () => {
    const spec = { ...minimal.spec, instances: 0, strategy: { blueGreen: { previewPort: 8080 } } };
    const error = invalid(() => validateSpec({ ...minimal, spec }));
    expect(error.problems.map((problem) => problem.path)).toEqual(['spec.instances', 'spec.strategy.blueGreen.previewPort']);
  });
});

describe('parseSpecText', () => {
  it('reads JSON', () => {
    expect(parseSpecText('{"apiVersion": "cutover/v1", "spec": {"port": 80}}', 'spec.json')).toEqual({
      apiVersion: 'cutover/v1',
      spec: { port: 80 },
    });
  });

  it('reports a YAML syntax error at the document with its line and column', () => {
    const error = invalid(() => parseSpecText('spec:\n  port: 80\n    drainTimeout: 1s\n', 'bad.yaml'));
    expect(error.code).toBe(ErrorCode.InvalidSpec);
    expect(error.message).toMatch(/^bad\.yaml is not valid YAML or JSON: line 2, column \d+: /);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toEqual({ path: '', message: expect.stringMatching(/^line 2, column \d+: \S/) });
  });

  it('reports a JSON syntax error with its line', () => {
    const error = invalid(() => parseSpecText('{\n  "spec": {\n    "port": 80\n', 'bad.json'));
    expect(error.problems[0]?.message).toMatch(/^line \d+, column \d+: /);
  });

  it('reports an alias to nothing as a problem of the document', () => {
    const error = invalid(() => parseSpecText('spec: *missing\n', 'alias.yaml'));
    expect(error.problems).toEqual([{ path: '', message: expect.stringContaining('missing') }]);
  });
});
