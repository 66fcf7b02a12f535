import { parseArgs as parseCommandLine } from 'node:util';
import { maskSecrets, validateId } from '@election/core';

/** Bad command-line input: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type BackendName = 'static' | 'etcd' | 'consul' | 'postgres';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Peer {
  readonly id: string;
  readonly url: string;
}

export interface NodeConfig {
  readonly id: string;
  readonly backend: BackendName;
  readonly peers: readonly Peer[];
  readonly etcd: readonly string[];
  readonly consul: string;
  /** postgres: the connection string (may hold a password: never printed). */
  readonly postgres: string;
  readonly election: string;
  /** undefined: the backend's default. */
  readonly ttlSeconds: number | undefined;
  /** How the user gave the TTL (`--ttl 1.5`, `ELECTION_TTL=1.5`), for messages in their own unit. */
  readonly ttlGiven: string | undefined;
  /** Give up joining after this many seconds (exit 1); undefined: keep retrying. */
  readonly startTimeoutSeconds: number | undefined;
  /** Revoke this id's previous registration at once instead of waiting it out (one process per id). */
  readonly takeover: boolean;
  /** undefined: confirmed where the backend has a lock, else view. */
  readonly mode: 'view' | 'confirmed' | undefined;
  readonly priority: number;
  readonly observer: boolean;
  readonly listen: { readonly host: string; readonly port: number };
  /** Where others reach this node's HTTP endpoints (its status URL is this + /status); undefined: the listen address. */
  readonly advertiseUrl: string | undefined;
  readonly logLevel: LogLevel;
}

export type ParseResult = { readonly help: true } | { readonly help: false; readonly config: NodeConfig };

interface FlagSpec {
  /** Takes no value (`--observer`); `--observer=false` is still accepted. */
  readonly boolean?: true;
  /** Only meaningful with this backend; given on the command line with another one, it is an error. */
  readonly backend?: BackendName;
}

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  id: {},
  backend: {},
  peers: { backend: 'static' },
  etcd: { backend: 'etcd' },
  consul: { backend: 'consul' },
  postgres: { backend: 'postgres' },
  election: {},
  ttl: {},
  'start-timeout': {},
  takeover: { boolean: true },
  mode: {},
  priority: {},
  observer: { boolean: true },
  listen: {},
  'advertise-url': {},
  'log-level': {},
  help: { boolean: true },
};

const DEFAULT_ETCD_URL = 'http://127.0.0.1:2379';
const DEFAULT_ETCD = [DEFAULT_ETCD_URL];
const DEFAULT_CONSUL = 'http://127.0.0.1:8500';
const DEFAULT_POSTGRES = 'postgres://127.0.0.1:5432/postgres';
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** `--log-level` ↔ `ELECTION_LOG_LEVEL`. */
export function envName(flag: string): string {
  return `ELECTION_${flag.toUpperCase().replace(/-/g, '_')}`;
}

interface RawValue {
  readonly value: string;
  /** How the user wrote it, for messages: `--ttl` or `ELECTION_TTL`. */
  readonly origin: string;
  readonly fromFlag: boolean;
}

/**
 * The command line, read by node:util's parseArgs (tokens, so every message below stays ours):
 * `--flag value` and `--flag=value`, boolean flags bare or as `--flag=false`, each flag at most once.
 */
function readArgv(argv: readonly string[]): Map<string, RawValue> {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, spec]) => [
      name,
      { type: spec.boolean ? 'boolean' : 'string' } as const,
    ]),
  );
  // strict: false so that unknown flags, positionals and `--observer=false` reach the checks below
  // (strict mode would reject them with its own wording, and without exit code 2's messages).
  const { tokens } = parseCommandLine({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, RawValue>();
  for (const token of tokens) {
    if (token.kind === 'positional' || (token.kind === 'option' && !token.rawName.startsWith('--'))) {
      const arg = token.kind === 'positional' ? token.value : token.rawName;
      throw new UsageError(`unexpected argument "${arg}": every option is a --flag (see --help).`);
    }
    if (token.kind !== 'option') continue; // "--" ends the options; nothing follows it here
    const { name } = token;
    const spec = FLAGS[name];
    if (spec === undefined) throw new UsageError(`unknown flag --${name} (see --help for the list).`);
    if (values.has(name)) throw new UsageError(`--${name} is given twice; give it once.`);
    let value = token.value;
    if (spec.boolean) value ??= 'true';
    // parseArgs (non-strict) takes the next argument even when it is another flag: not a value here.
    else if (value === undefined || (!token.inlineValue && value.startsWith('--')))
      throw new UsageError(`--${name} needs a value.`);
    values.set(name, { value, origin: `--${name}`, fromFlag: true });
  }
  return values;
}

function readEnv(env: NodeJS.ProcessEnv, values: Map<string, RawValue>): void {
  for (const name of Object.keys(FLAGS)) {
    if (name === 'help' || values.has(name)) continue;
    const value = env[envName(name)];
    if (value !== undefined && value !== '')
      values.set(name, { value, origin: envName(name), fromFlag: false });
  }
}

/** The example a bad --peers URL gets (each URL flag has its own: never etcd's port for Consul). */
const PEER_URL_EXAMPLE = 'http://127.0.0.1:7002';

function parseUrl(text: string, origin: string, example: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${origin}: "${text}" is not a URL; write it like ${example}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${origin}: "${text}" must start with http:// or https://.`);
  }
  return text.replace(/\/+$/, '');
}

/** A PostgreSQL connection string; messages show it with its password masked. */
function parsePostgresUrl(raw: RawValue): string {
  const shown = maskSecrets(raw.value);
  if (!/^postgres(ql)?:\/\//.test(raw.value))
    throw new UsageError(`${raw.origin}: "${shown}" must start with postgres:// (e.g. ${DEFAULT_POSTGRES}).`);
  try {
    new URL(raw.value);
  } catch {
    throw new UsageError(`${raw.origin}: "${shown}" is not a URL; write it like ${DEFAULT_POSTGRES}.`);
  }
  return raw.value;
}

function parsePeers(raw: RawValue): Peer[] {
  const peers: Peer[] = [];
  for (const entry of raw.value.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`${raw.origin}: "${entry}" is not id=url (e.g. b=http://127.0.0.1:7002).`);
    const id = checkId(entry.slice(0, eq), raw.origin);
    if (peers.some((peer) => peer.id === id))
      throw new UsageError(`${raw.origin}: peer "${id}" is listed twice.`);
    peers.push({
      id,
      url: parseUrl(entry.slice(eq + 1), `${raw.origin} (peer "${id}")`, PEER_URL_EXAMPLE),
    });
  }
  return peers;
}

function checkId(id: string, origin: string): string {
  try {
    return validateId(id);
  } catch (error) {
    throw new UsageError(`${origin}: ${(error as Error).message.replace(/^\[[^\]]+\] /, '')}`);
  }
}

/** --advertise-url: an http(s) URL without credentials (it is published to every member and shown). */
function parseAdvertiseUrl(raw: RawValue): string {
  const url = parseUrl(raw.value, raw.origin, 'http://node-1.internal:7001');
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.password !== '') {
    throw new UsageError(`${raw.origin}: the URL is published to every member; leave out user:pass@.`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new UsageError(
      `${raw.origin}: give the base URL of the HTTP endpoints, without ?query or #fragment.`,
    );
  }
  return url;
}

function parseListen(raw: RawValue): NodeConfig['listen'] {
  // [::1]:8080 for IPv6, host:port otherwise.
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw.value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new UsageError(`${raw.origin}: "${raw.value}" is not HOST:PORT (e.g. 127.0.0.1:7001, [::1]:0).`);
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

function parseNumber(raw: RawValue, check: (n: number) => boolean, expected: string): number {
  const value = raw.value.trim() === '' ? Number.NaN : Number(raw.value);
  if (!Number.isFinite(value) || !check(value)) {
    throw new UsageError(`${raw.origin}: "${raw.value}" is not ${expected}.`);
  }
  return value;
}

/** How the user wrote a value, for messages: `--ttl 1.5` or `ELECTION_TTL=1.5`. */
function given(raw: RawValue): string {
  return raw.fromFlag ? `${raw.origin} ${raw.value}` : `${raw.origin}=${raw.value}`;
}

function parseBoolean(raw: RawValue): boolean {
  if (/^(true|1|yes)$/i.test(raw.value)) return true;
  if (/^(false|0|no)$/i.test(raw.value)) return false;
  throw new UsageError(`${raw.origin}: "${raw.value}" is not true or false.`);
}

function oneOf<T extends string>(raw: RawValue, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(raw.value)) return raw.value as T;
  throw new UsageError(`${raw.origin}: "${raw.value}" is not one of ${allowed.join(', ')}.`);
}

/**
 * Reads flags, then `ELECTION_*` variables for the flags not given. Throws UsageError naming the flag
 * (or variable) at fault. Pure: no I/O, so every rule is unit-tested.
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ParseResult {
  const values = readArgv(argv);
  if (values.has('help')) return { help: true };
  readEnv(env, values);
  const get = (name: string) => values.get(name);

  const backendRaw = get('backend');
  const backend = backendRaw
    ? oneOf<BackendName>(backendRaw, ['static', 'etcd', 'consul', 'postgres'])
    : 'static';
  for (const [name, raw] of values) {
    const only = FLAGS[name]?.backend;
    // A stray env var is ignored (one environment may serve several backends); a stray flag is a mistake.
    if (only !== undefined && only !== backend && raw.fromFlag) {
      throw new UsageError(`${raw.origin} only applies to --backend ${only}, but the backend is ${backend}.`);
    }
  }

  const idRaw = get('id');
  if (!idRaw) throw new UsageError(`--id is required (or set ${envName('id')}), e.g. --id node-1.`);
  /** Parses flag `name` when given, else returns `fallback`. */
  const read = <T>(name: string, parse: (raw: RawValue) => T, fallback: T): T => {
    const raw = get(name);
    return raw === undefined ? fallback : parse(raw);
  };
  const config: NodeConfig = {
    id: checkId(idRaw.value, idRaw.origin),
    backend,
    peers: backend === 'static' ? read('peers', parsePeers, []) : [],
    etcd:
      backend === 'etcd'
        ? read(
            'etcd',
            (raw) => raw.value.split(',').map((url) => parseUrl(url.trim(), raw.origin, DEFAULT_ETCD_URL)),
            DEFAULT_ETCD,
          )
        : DEFAULT_ETCD,
    consul:
      backend === 'consul'
        ? read('consul', (raw) => parseUrl(raw.value, raw.origin, DEFAULT_CONSUL), DEFAULT_CONSUL)
        : DEFAULT_CONSUL,
    postgres:
      backend === 'postgres' ? read('postgres', parsePostgresUrl, DEFAULT_POSTGRES) : DEFAULT_POSTGRES,
    election: read('election', (raw) => checkId(raw.value, raw.origin), 'default'),
    ttlSeconds: read('ttl', (raw) => parseNumber(raw, (n) => n > 0, 'a number of seconds > 0'), undefined),
    ttlGiven: read('ttl', given, undefined),
    startTimeoutSeconds: read(
      'start-timeout',
      (raw) => parseNumber(raw, (n) => n >= 0.001, 'a number of seconds, at least 0.001'),
      undefined,
    ),
    takeover: read('takeover', parseBoolean, false),
    mode: read('mode', (raw) => oneOf(raw, ['view', 'confirmed'] as const), undefined),
    priority: read('priority', (raw) => parseNumber(raw, () => true, 'a number'), 0),
    observer: read('observer', parseBoolean, false),
    listen: read('listen', parseListen, { host: '127.0.0.1', port: 0 }),
    advertiseUrl: read('advertise-url', parseAdvertiseUrl, undefined),
    logLevel: read('log-level', (raw) => oneOf(raw, LOG_LEVELS), 'info'),
  };
  checkStaticRules(config, values);
  return { help: false, config };
}

function checkStaticRules(config: NodeConfig, values: Map<string, RawValue>): void {
  const origin = (name: string) => values.get(name)?.origin ?? `--${name}`;
  if (config.backend !== 'static') return;
  if (config.mode === 'confirmed') {
    throw new UsageError(
      `${origin('mode')}: confirmed mode needs a leader lock, which the static backend has not. Use --backend etcd or consul.`,
    );
  }
  // Every static node ranks members from its own copy of the list, and --peers carries ids and urls
  // only: a rank set on one node alone would make the nodes disagree on who leads.
  if (config.priority !== 0) {
    throw new UsageError(
      `${origin('priority')} is not supported with --backend static: peers could not learn it.`,
    );
  }
  if (config.observer) {
    throw new UsageError(
      `${origin('observer')} is not supported with --backend static: peers could not learn it.`,
    );
  }
}
