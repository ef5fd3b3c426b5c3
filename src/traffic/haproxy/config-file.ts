/**
 * The router config turned into haproxy.cfg and runtime API commands (pure:
 * no I/O). A deployment must never reload HAProxy: a reload makes the old
 * worker close its idle keep-alive connections, and a client that sent a
 * request on one just then sees a reset. So the file declares fixed *slots*
 * and cutover fills them at run time:
 * - backend `weighted` has `slots` servers s0…sN; an instance takes a free
 *   slot (`set server … addr/port`, `state ready`), its weight is its
 *   revision's share spread over the revision's instances in rotation;
 * - `pools` backends pool_0…pool_K with the same slots (tracking the
 *   weighted slot's health) serve one revision each, for the pin header and
 *   the preview port; a map file (revision → pool) says which, changed with
 *   `set map` / `add map` / `del map`.
 * Only the *shape* (ports, health checks, the number of slots or pools, the
 * log and metrics ports) needs a reload. The file always holds the current
 * slots, weights and map too, so a restarted HAProxy serves the last state
 * even while the control plane is down.
 */
import type { RouterConfig } from '../../router/wire.ts';
import { PIN_HEADER } from '../../router/index.ts';
import type { HeaderRoute } from '../../core/header-route.ts';

/** Where a service's HAProxy puts and finds things. */
export interface HaproxyPaths {
  /** The worker's runtime API (admin level, mode 0600). */
  adminSocket: string;
  /** The master's CLI: reload, the list of workers, `@!pid` commands to old workers. */
  masterSocket: string;
  pidFile: string;
  /** revision → pool backend, `preview` → the preview revision's pool, `route` → the header route's. */
  mapFile: string;
  /** The header route's one pattern (a regex over the request's header block), or none. */
  routeAclFile: string;
}

export interface HaproxyPorts {
  /** TCP port on 127.0.0.1 where each request's log line goes (the control plane reads it). */
  logPort: number;
  /**
   * How the lines get there: `ring-sampled-var`, HAProxy's in-memory ring
   * forwarded over TCP, with a share of the answers logged that the control
   * plane sets at run time in a process variable (see renderConfig). Configs
   * written before lack it (`ring-sampled`, whose share was in the map, `ring`,
   * or a UDP datagram per request): they are rewritten and reloaded once.
   */
  logVia: typeof LOG_VIA;
  /** Starts every log line, so lines forged by other local processes are ignored. */
  logKey: string;
  /** 127.0.0.1 port of HAProxy's own Prometheus endpoint (`GET /metrics`). */
  metricsPort: number;
}

/** Which slot each instance holds and which pool each revision; kept across applies so nothing moves needlessly. */
export interface Layout {
  slots: number;
  pools: number;
  /** instance id → slot */
  slotOf: Record<string, number>;
  /** revision → pool */
  poolOf: Record<string, number>;
  /** Where the search for a free slot starts next, so a freed slot is reused last (late log lines stay right). */
  nextSlot: number;
  /** Bound once seen, so the end of a preview needs no reload (it then answers 503). */
  previewPort?: number;
  /** The config has the header route's ACL (written since it exists; an older config is reloaded once to get it). */
  routeAcl?: true;
}

export const WEIGHTED_BACKEND = 'weighted';
/** Where a request with a bad or unknown pin header goes, to be refused. */
const PIN_REFUSED_BACKEND = 'pin_refused';
export const LOG_VIA = 'ring-sampled-var';
/**
 * The HAProxy process variable holding the share of answers logged, out of
 * LOG_SHARE_ALL (log-share.ts chooses it from the request rate): set in the
 * config's global section, changed at run time by logShareCommand. A
 * process variable is read per answer without the map lookup and the
 * per-request variable the share cost before (about 5 µs of HAProxy's CPU
 * per request side by side on a loaded machine).
 */
export const LOG_SHARE_VAR = 'proc.cutover_share';
/** Every answer logged: the share's denominator (HAProxy draws `rand(1024)`). */
export const LOG_SHARE_ALL = 1024;
/** The longest log line (a longer path is cut); log-stream.ts refuses connections that send longer ones. */
const LOG_LINE_MAX = 1024;
/**
 * The ring holds the lines the control plane has not read yet: 4 MB is about
 * a second at HAProxy's full speed here (~50,000 lines of ~80 bytes), many
 * seconds at a judged canary's rate. When the control plane is slower or
 * away, the oldest lines are overwritten (lost, as the built-in router's
 * sample ring loses its oldest), never the requests.
 */
const LOG_RING_BYTES = 4 * 1024 * 1024;
export function poolBackend(pool: number): string {
  return `pool_${pool}`;
}
export function slotServer(slot: number): string {
  return `s${slot}`;
}

const INITIAL_SLOTS = 32;
const INITIAL_POOLS = 4;
/** HAProxy's server weights are 0..256. */
const MAX_WEIGHT = 256;
/** A placeholder address for an empty slot (it is in maintenance, so never used). */
const EMPTY_PORT = 1;
/** Where an instance listens when its backend names no host (a process or container on this host). */
const LOOPBACK = '127.0.0.1';

/**
 * The layout for `config`, starting from the previous one: instances and
 * revisions keep their slot and pool; new ones take free ones; when there
 * are not enough, the counts double (a new shape: one reload).
 */
export function planLayout(config: Pick<RouterConfig, 'backends' | 'previewPort' | 'weights' | 'previewRevision'>, previous: Layout | undefined): Layout {
  let slots = previous?.slots ?? INITIAL_SLOTS;
  let pools = previous?.pools ?? INITIAL_POOLS;
  const ids = new Set(config.backends.map((backend) => backend.id));
  const revisions = [...new Set(config.backends.map((backend) => String(backend.revision)))];
  while (config.backends.length > slots) slots *= 2;
  while (revisions.length > pools) pools *= 2;
  const slotOf: Record<string, number> = {};
  for (const [id, slot] of Object.entries(previous?.slotOf ?? {})) if (ids.has(id) && slot < slots) slotOf[id] = slot;
  const taken = new Set(Object.values(slotOf));
  let cursor = (previous?.nextSlot ?? 0) % slots;
  for (const backend of config.backends) {
    if (backend.id in slotOf) continue;
    while (taken.has(cursor)) cursor = (cursor + 1) % slots;
    slotOf[backend.id] = cursor;
    taken.add(cursor);
    cursor = (cursor + 1) % slots;
  }
  const poolOf: Record<string, number> = {};
  for (const [revision, pool] of Object.entries(previous?.poolOf ?? {})) if (revisions.includes(revision) && pool < pools) poolOf[revision] = pool;
  const usedPools = new Set(Object.values(poolOf));
  for (const revision of revisions) {
    if (revision in poolOf) continue;
    let pool = 0;
    while (usedPools.has(pool)) pool++;
    poolOf[revision] = pool;
    usedPools.add(pool);
  }
  const previewPort = config.previewPort ?? previous?.previewPort;
  return { slots, pools, slotOf, poolOf, nextSlot: cursor, ...(previewPort !== undefined ? { previewPort } : {}), routeAcl: true };
}

/** Everything that needs a reload when it changes. */
export function shapeOf(config: Pick<RouterConfig, 'port' | 'healthCheck' | 'trustedProxies'>, layout: Layout, ports: HaproxyPorts): string {
  return JSON.stringify({
    port: config.port,
    healthCheck: config.healthCheck,
    trustedProxies: config.trustedProxies ?? [],
    slots: layout.slots,
    pools: layout.pools,
    previewPort: layout.previewPort,
    ports,
    routeAcl: layout.routeAcl,
  });
}

/**
 * The forwarding headers, as the built-in router sets them: a client's own
 * X-Forwarded-* and Forwarded are believed only from a trusted proxy (anyone
 * else could claim to be anyone); X-Forwarded-For gets the peer appended,
 * X-Forwarded-Proto and -Host are set from what HAProxy sees.
 */
function forwardingRules(trustedProxies: readonly string[] | undefined): string[] {
  const ranges = trustedProxies ?? [];
  if (!ranges.length) {
    // No peer is trusted (the default): each header is set over the client's (set-header replaces every
    // occurrence), fewer rules and header scans per request than deleting each first.
    return [
      '  http-request del-header forwarded',
      '  http-request set-header x-forwarded-for %[src]',
      '  http-request set-header x-forwarded-proto http',
      '  http-request set-header x-forwarded-host %[req.hdr(host)] if { req.hdr(host) -m found }',
      '  http-request del-header x-forwarded-host if !{ req.hdr(host) -m found }',
    ];
  }
  return [
    `  acl trusted_peer src ${ranges.join(' ')}`,
    ...['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded'].map((name) => `  http-request del-header ${name} if !trusted_peer`),
    '  http-request set-header x-forwarded-proto http unless { req.hdr(x-forwarded-proto) -m found }',
    '  http-request set-header x-forwarded-host %[req.hdr(host)] if { req.hdr(host) -m found } !{ req.hdr(x-forwarded-host) -m found }',
    '  option forwardfor',
  ];
}

/** What each slot serves: its instance's port and its weight in every backend. */
export interface SlotState {
  /** The instance's address: its swarm node's, else 127.0.0.1. */
  host: string;
  port: number;
  /** Weight in the weighted backend. */
  weight: number;
  /** The pool of its revision, where it has weight 1 while in rotation. */
  pool: number;
  inRotation: boolean;
}

/**
 * The state of every filled slot. A revision's share is spread evenly over
 * its instances in rotation, scaled so the largest server weight is 256 (the
 * finest split HAProxy offers); a revision with a share keeps at least
 * weight 1 per instance, so 1% never rounds to nothing.
 */
export function slotStates(config: Pick<RouterConfig, 'weights' | 'backends'>, layout: Layout): Map<number, SlotState> {
  const inRotation = new Map<number, number>();
  for (const backend of config.backends) if (backend.inRotation) inRotation.set(backend.revision, (inRotation.get(backend.revision) ?? 0) + 1);
  const ideal = (backend: RouterConfig['backends'][number]): number => {
    const share = config.weights[String(backend.revision)] ?? 0;
    const count = inRotation.get(backend.revision) ?? 0;
    return backend.inRotation && count > 0 ? share / count : 0;
  };
  const largest = Math.max(0, ...config.backends.map(ideal));
  const states = new Map<number, SlotState>();
  for (const backend of config.backends) {
    const share = ideal(backend);
    states.set(layout.slotOf[backend.id]!, {
      host: backend.host ?? LOOPBACK,
      port: backend.port,
      weight: share > 0 ? Math.max(1, Math.round((share / largest) * MAX_WEIGHT)) : 0,
      pool: layout.poolOf[String(backend.revision)]!,
      inRotation: backend.inRotation,
    });
  }
  return states;
}

/** The map file's entries: revision → pool backend, `preview` → the preview revision's pool, `route` → the header route's. */
export function mapEntries(config: Pick<RouterConfig, 'previewRevision' | 'headerRoute'>, layout: Layout): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [revision, pool] of Object.entries(layout.poolOf)) entries.set(revision, poolBackend(pool));
  const preview = config.previewRevision === undefined ? undefined : layout.poolOf[String(config.previewRevision)];
  if (preview !== undefined) entries.set('preview', poolBackend(preview));
  const route = config.headerRoute === undefined ? undefined : layout.poolOf[String(config.headerRoute.revision)];
  if (route !== undefined) entries.set('route', poolBackend(route));
  return entries;
}

/**
 * The header route as one PCRE over `req.hdrs`, the request's header block
 * as HAProxy holds it (`name: value\r\n` per header, names in lower case,
 * values trimmed): a line of that header whose whole value is the exact
 * value or matches the regex. Any occurrence of a repeated header may match.
 */
export function routePatterns(config: Pick<RouterConfig, 'headerRoute'>): string[] {
  const route: HeaderRoute | undefined = config.headerRoute;
  if (!route) return [];
  const value = route.regex ?? (route.exact ?? '').replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return [`(?m)^${route.header.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}: (?:${value})\\r$`];
}

/** A word of a runtime API command: backslash before backslashes, spaces and semicolons. */
function cliWord(text: string): string {
  return text.replace(/[\\ ;]/g, '\\$&');
}

/** The map file: `entries`. */
export function renderMapFile(entries: Map<string, string>): string {
  return [...entries].map(([key, value]) => `${key} ${value}\n`).join('');
}

/**
 * The runtime API command that sets the share of answers logged. `set var`
 * is an experimental command in HAProxy 2.6 (the mode lasts for this one
 * connection); `get var LOG_SHARE_VAR` reads it back without it.
 */
export function logShareCommand(share: number): string {
  return `experimental-mode on; set var ${LOG_SHARE_VAR} int(${share})`;
}

/**
 * Which answers are logged. Every 5xx (and every answer HAProxy gives itself,
 * which skips http-response rules, and every request that got no answer) is;
 * any other answer is, with probability share/1024, drawn per request,
 * whatever its status or latency. The share goes on the line, so the reader
 * knows each line's weight (log-stream.ts; a line whose status is not an
 * answer's, under 100, stands for itself): counts stay exact for errors and
 * unbiased for the rest, and the reader thins the 5xx lines by the same
 * share before they become samples, so the judge's samples are a uniform
 * draw of all answers. One rule reading a process variable: no per-request
 * variable, no map lookup.
 */
const LOG_SHARING = `  http-response set-log-level silent if { status lt 500 } { rand(${LOG_SHARE_ALL}),sub(${LOG_SHARE_VAR}) ge 0 }`;

/** The ring section's name (`log ring@requests`). */
const LOG_RING = 'requests';

/** A request that reached an instance is sent again only when its method is idempotent (RFC 9110 §9.2.2); a connection failure is always retried. */
const RETRY_ONLY_IDEMPOTENT = '  http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS || { method PUT DELETE TRACE }';

/** The answer HAProxy gives itself, JSON like the built-in router's errors. */
function refusal(status: number, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } }).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `http-request return status ${status} content-type application/json string "${body}"`;
}

/**
 * haproxy.cfg for one service. The log line per request is
 * `cutover <key> <service> <server port> <status> <active ms> <termination state> <backend> <method> <path> <share>`
 * (share: of LOG_SHARE_ALL, the share in force when the line was written; see LOG_SHARING);
 * the server port names the instance, hence the revision. Lines go into a
 * ring (memory, no syscall per request) whose forwarder writes them, many per
 * write under load, newline-ended, over one TCP connection per worker to the
 * control plane's reader (log-stream.ts), reconnecting when it restarts.
 */
export function renderConfig(config: RouterConfig, layout: Layout, ports: HaproxyPorts, paths: HaproxyPaths, logShare: number = LOG_SHARE_ALL): string {
  const states = slotStates(config, layout);
  const health = config.healthCheck;
  const logFormat = `  log-format "cutover ${ports.logKey} ${config.service} %sp %ST %Ta %tsc %b %HM %HP %[var(${LOG_SHARE_VAR})]"`;
  const map = paths.mapFile;
  const lines: string[] = [
    `# Written by cutover for service ${config.service} (generation ${config.generation}); edits are overwritten.`,
    'global',
    '  master-worker',
    `  pidfile ${paths.pidFile}`,
    `  stats socket ${paths.adminSocket} mode 600 level admin expose-fd listeners`,
    `  log ring@${LOG_RING} len ${LOG_LINE_MAX} format raw local0 info`,
    '  maxconn 4096',
    // Old workers after a reload: requests still running get this long to finish.
    '  hard-stop-after 5m',
    // The share of answers logged when HAProxy starts; the control plane changes it at run time (logShareCommand).
    `  set-var ${LOG_SHARE_VAR} int(${logShare})`,
    'defaults',
    '  mode http',
    '  log global',
    '  option dontlognull',
    '  timeout connect 2s',
    '  timeout client 65s',
    '  timeout server 65s',
    '  timeout http-keep-alive 60s',
    // WebSockets and other upgraded connections: HAProxy relays them natively; an idle one is closed after this.
    '  timeout tunnel 1h',
    `  timeout check ${health.timeoutMs}ms`,
    // As the built-in router does (src/router/retry.ts): a request that could not connect, or whose instance
    // closed the connection before any answer (it crashed), is sent to another instance at once (no
    // turn-around delay when redispatching); only idempotent methods are sent again once they reached one.
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response',
    `  option httpchk GET ${health.path}`,
    '',
    'frontend main',
    `  bind 127.0.0.1:${config.port}`,
    logFormat,
    LOG_SHARING,
    ...forwardingRules(config.trustedProxies),
    RETRY_ONLY_IDEMPOTENT,
    `  acl pinned req.hdr(${PIN_HEADER}) -m found`,
    `  acl pin_valid req.hdr(${PIN_HEADER}) -m reg ^[0-9]+$`,
    `  acl pin_known req.hdr(${PIN_HEADER}),map(${map}) -m found`,
    // A request without the pin header (nearly all) costs one look for it here and one below; a bad or
    // unknown pin is refused in its own backend, so those refusals cost the others nothing.
    `  use_backend %[req.hdr(${PIN_HEADER}),map(${map})] if pinned pin_valid pin_known`,
    `  use_backend ${PIN_REFUSED_BACKEND} if pinned`,
    // The header route: its pattern (route.acl) and its pool (`route` in the map) change at runtime, never by a reload.
    `  acl header_route req.hdrs -m reg -f ${paths.routeAclFile}`,
    `  acl route_known str(route),map(${map}) -m found`,
    // Pinned requests went to a backend above. Without a header route, the map lookup fails and the headers are not read.
    `  use_backend %[str(route),map(${map})] if route_known header_route`,
    `  default_backend ${WEIGHTED_BACKEND}`,
    '',
  ];
  if (layout.previewPort !== undefined) {
    lines.push(
      'frontend preview',
      `  bind 127.0.0.1:${layout.previewPort}`,
      logFormat,
      LOG_SHARING,
      ...forwardingRules(config.trustedProxies),
      RETRY_ONLY_IDEMPOTENT,
      `  acl in_preview str(preview),map(${map}) -m found`,
      `  ${refusal(503, 'NoPreviewRevision', `Service ${config.service} has no revision in preview.`)} if !in_preview`,
      `  use_backend %[str(preview),map(${map})] if in_preview`,
      '',
    );
  }
  lines.push(
    `ring ${LOG_RING}`,
    '  format raw',
    `  maxlen ${LOG_LINE_MAX}`,
    `  size ${LOG_RING_BYTES}`,
    '  timeout connect 2s',
    // A quiet service sends nothing for long: the connection stays open meanwhile.
    '  timeout server 1h',
    `  server control-plane 127.0.0.1:${ports.logPort}`,
    '',
  );
  lines.push(
    `backend ${PIN_REFUSED_BACKEND}`,
    `  ${refusal(400, 'InvalidRevisionHeader', `Header ${PIN_HEADER} must be a revision number.`)} if !{ req.hdr(${PIN_HEADER}) -m reg ^[0-9]+$ }`,
    `  ${refusal(503, 'UnknownRevision', `Service ${config.service} has no such revision (header ${PIN_HEADER}).`)}`,
    '',
  );
  lines.push('frontend prometheus', `  bind 127.0.0.1:${ports.metricsPort}`, '  no log', '  http-request use-service prometheus-exporter if { path /metrics }', `  ${refusal(404, 'NotFound', 'Only GET /metrics is served here.')}`, '');
  // A refused connection takes the instance out at once, like the built-in router; health checks bring it back.
  lines.push(`backend ${WEIGHTED_BACKEND}`, '  balance roundrobin');
  lines.push(`  default-server check inter ${health.intervalMs}ms fall ${health.unhealthyThreshold} rise 1 observe layer4 error-limit 1 on-error mark-down`);
  for (let slot = 0; slot < layout.slots; slot++) {
    const state = states.get(slot);
    lines.push(`  server ${slotServer(slot)} ${state?.host ?? LOOPBACK}:${state?.port ?? EMPTY_PORT} weight ${state?.weight ?? 0}${state ? '' : ' disabled'}`);
  }
  lines.push('');
  for (let pool = 0; pool < layout.pools; pool++) {
    lines.push(`backend ${poolBackend(pool)}`, '  balance roundrobin');
    for (let slot = 0; slot < layout.slots; slot++) {
      const state = states.get(slot);
      const weight = state && state.pool === pool && state.inRotation ? 1 : 0;
      lines.push(`  server ${slotServer(slot)} ${state?.host ?? LOOPBACK}:${state?.port ?? EMPTY_PORT} weight ${weight} no-check track ${WEIGHTED_BACKEND}/${slotServer(slot)}${state ? '' : ' disabled'}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * The runtime API commands that take a running HAProxy of the same shape
 * from `before` to `after`: slots filled, emptied or moved, every filled
 * slot's weights, and the map's changes (added before removed, so a pinned
 * request never finds its revision missing during the switch).
 */
export function runtimeCommands(
  before: { config: Pick<RouterConfig, 'weights' | 'backends' | 'previewRevision' | 'headerRoute'>; layout: Layout } | undefined,
  after: { config: Pick<RouterConfig, 'weights' | 'backends' | 'previewRevision' | 'headerRoute'>; layout: Layout },
  paths: Pick<HaproxyPaths, 'mapFile' | 'routeAclFile'>,
): string[] {
  const { mapFile } = paths;
  const old = before ? slotStates(before.config, before.layout) : new Map<number, SlotState>();
  const now = slotStates(after.config, after.layout);
  const backends = [WEIGHTED_BACKEND, ...Array.from({ length: after.layout.pools }, (_, pool) => poolBackend(pool))];
  const commands: string[] = [];
  for (const [slot, state] of now) {
    const server = slotServer(slot);
    const previous = old.get(slot);
    // An instance's slot moves with its address: a swarm task on another node has the same port on another host.
    if (previous?.port !== state.port || previous.host !== state.host) for (const backend of backends) commands.push(`set server ${backend}/${server} addr ${state.host} port ${state.port}`);
    commands.push(`set weight ${WEIGHTED_BACKEND}/${server} ${state.weight}`);
    for (let pool = 0; pool < after.layout.pools; pool++) commands.push(`set weight ${poolBackend(pool)}/${server} ${state.pool === pool && state.inRotation ? 1 : 0}`);
    if (!previous) for (const backend of backends) commands.push(`set server ${backend}/${server} state ready`);
  }
  for (const slot of old.keys()) {
    if (now.has(slot)) continue;
    for (const backend of backends) commands.push(`set weight ${backend}/${slotServer(slot)} 0`, `set server ${backend}/${slotServer(slot)} state maint`);
  }
  const patterns = routePatterns(after.config);
  if (String(routePatterns(before?.config ?? {})) !== String(patterns)) {
    commands.push(`clear acl ${paths.routeAclFile}`, ...patterns.map((pattern) => `add acl ${paths.routeAclFile} ${cliWord(pattern)}`));
  }
  const oldMap = before ? mapEntries(before.config, before.layout) : new Map<string, string>();
  const newMap = mapEntries(after.config, after.layout);
  for (const [key, value] of newMap) {
    if (!oldMap.has(key)) commands.push(`add map ${mapFile} ${key} ${value}`);
    else if (oldMap.get(key) !== value) commands.push(`set map ${mapFile} ${key} ${value}`);
  }
  for (const key of oldMap.keys()) if (!newMap.has(key)) commands.push(`del map ${mapFile} ${key}`);
  return commands;
}
