import { hasControlCharacter, optionChecks } from '@election/core/adapter';
import type Consul from 'consul';
import { SOURCE } from './source.js';

/** How to reach Consul when the adapter opens its own client. */
export interface ConsulConnectionOptions {
  /** Agent address. Default `127.0.0.1`. */
  readonly host?: string;
  /** Agent HTTP(S) port. Default 8500. */
  readonly port?: number;
  /** Talk HTTPS instead of HTTP. Default false. */
  readonly secure?: boolean;
  /** CA certificate(s) (PEM) that signed the agent's TLS certificate; implies nothing without `secure`. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
}

export interface ConsulMembershipOptions extends ConsulConnectionOptions {
  /** An existing `consul` client to use instead of opening one; it is never closed by this adapter. */
  readonly client?: Consul;
  /** ACL token sent as `X-Consul-Token` on every request. Never logged. */
  readonly token?: string;
  /** Datacenter to use (`?dc=`). Default: the agent's own. */
  readonly datacenter?: string;
  /** The election's name: nodes with the same prefix and election elect one leader. Default `default`. */
  readonly election?: string;
  /** Key prefix under which every election lives. Default `election`. */
  readonly prefix?: string;
  /**
   * Consul lock-delay of each node's session, in whole seconds (0–60). Default: the session's TTL,
   * so that a session Consul ends early (its node marked failed, the node deregistered, an
   * operator's destroy) frees the leader key only once the old leader has stepped down at its local
   * deadline. Lower it only if every downstream system checks fencing tokens: with less than the
   * TTL, two nodes may lead at once for the difference. A TTL above 60 s (Consul's cap on
   * lock-delay) needs this set explicitly.
   */
  readonly lockDelaySeconds?: number;
  /**
   * The node health checks each session is bound to. `serfHealth` (default, Consul's own default):
   * when Consul's servers mark the node failed, the session ends at once and the lock-delay (the
   * TTL by default) decides when another node may lead. `none` (an explicit empty check list): only
   * the TTL ends the session, so a node that flaps in gossip keeps its leadership; a failed node is
   * then replaced like a crashed process, after up to 2×TTL plus the lock-delay. Deregistering the
   * node (`consul leave`) still ends every session of it, checks or not.
   */
  readonly sessionChecks?: 'serfHealth' | 'none';
  /** Timeout of every non-blocking request, ms. Default 5000. */
  readonly requestTimeoutMs?: number;
  /** `wait` of the blocking queries that watch the election, in whole seconds (1–600). Default 60. */
  readonly watchWaitSeconds?: number;
  /**
   * Rate limit of the watch loop: a token bucket with a burst of 2 (Consul's blocking-query advice),
   * then one query per this many ms while results churn. Default 500. Consul's guide suggests
   * polling "at a reasonable rate (say every 15 seconds)" under churn; an election must see a freed
   * leader key sooner than that (it is how the next node takes over), and each answer carries the
   * whole election (nothing is lost, only delayed), so 500 ms bounds the extra failover delay under
   * churn to half a second, at a fifth of the queries the earlier 100 ms limit allowed. A quiet
   * election sees every change at once.
   */
  readonly watchMinIntervalMs?: number;
  /** Upper bound on a graceful leave (release + destroy), ms. Default 3000. */
  readonly leaveTimeoutMs?: number;
}

export interface ResolvedConsulOptions {
  readonly client: Consul | undefined;
  readonly connection: Required<Pick<ConsulConnectionOptions, 'host' | 'port' | 'secure'>> &
    Pick<ConsulConnectionOptions, 'ca'>;
  readonly token: string | undefined;
  readonly datacenter: string | undefined;
  readonly election: string;
  readonly prefix: string;
  /** Undefined: the session's TTL (see ConsulMembershipOptions.lockDelaySeconds). */
  readonly lockDelaySeconds: number | undefined;
  readonly sessionChecks: 'serfHealth' | 'none';
  readonly requestTimeoutMs: number;
  readonly watchWaitSeconds: number;
  readonly watchMinIntervalMs: number;
  readonly leaveTimeoutMs: number;
}

const checks = optionChecks(SOURCE);
const fail: (message: string) => never = checks.fail;

function keySegment(name: string, value: unknown, fallback: string, allowSlash: boolean): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) fail(`${name} must be a non-empty string.`);
  if (hasControlCharacter(value, { c1: true }))
    fail(`${name} ${JSON.stringify(value)} contains a control character.`);
  if (!allowSlash && value.includes('/')) fail(`${name} ${JSON.stringify(value)} must not contain "/".`);
  if (value.trim() !== value) {
    // Stricter than Consul on purpose: the key validation of PR #22850 (backports #22931, #22939)
    // refuses keys with leading or trailing spaces, and whitespace at either end of a name is a
    // typo in practice. Whatever else an agent refuses comes back as a ConfigurationError anyway.
    fail(
      `${name} ${JSON.stringify(value)} must not start or end with whitespace (a validating Consul agent refuses keys that do; remove it).`,
    );
  }
  if (value.split('/').some((segment) => segment === '.' || segment === '..')) {
    fail(
      `${name} ${JSON.stringify(value)} must not contain "." or ".." segments (Consul refuses path traversal).`,
    );
  }
  if (value.startsWith('/') || value.endsWith('/') || value.includes('//')) {
    fail(`${name} ${JSON.stringify(value)} must not start or end with "/" nor contain "//" (Consul keys).`);
  }
  return value;
}

function integer(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  unit: string,
): number {
  return checks.wholeNumber(name, value, fallback, { min, max, unit });
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) fail(`${name} must be a non-empty string when given.`);
  return value;
}

function sessionChecks(value: unknown): 'serfHealth' | 'none' {
  if (value === undefined) return 'serfHealth';
  if (value !== 'serfHealth' && value !== 'none')
    fail(`sessionChecks must be "serfHealth" or "none", got ${JSON.stringify(value)}.`);
  return value;
}

/** Checks every option up front, so a typo fails createConsulMembership() rather than a request later. */
export function resolveOptions(options: ConsulMembershipOptions = {}): ResolvedConsulOptions {
  if (typeof options !== 'object' || options === null)
    fail('createConsulMembership() takes an options object.');
  const hasConnection = ['host', 'port', 'secure', 'ca'].some(
    (key) => (options as Record<string, unknown>)[key] !== undefined,
  );
  if (options.client !== undefined) {
    const client = options.client as unknown as { kv?: unknown; session?: unknown };
    if (typeof client !== 'object' || client === null || !client.kv || !client.session) {
      fail('client must be a client created with `new Consul(...)` from the npm package "consul".');
    }
    if (hasConnection)
      fail('Pass either client or host/port/secure/ca, not both: the client already has a connection.');
  }
  const host = options.host === undefined ? '127.0.0.1' : optionalString('host', options.host);
  if (options.secure !== undefined && typeof options.secure !== 'boolean')
    fail('secure must be true or false.');
  return {
    client: options.client,
    connection: {
      host: host ?? '127.0.0.1',
      port: integer('port', options.port, 8500, 1, 65535, 'a TCP port'),
      secure: options.secure ?? false,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    },
    token: optionalString('token', options.token),
    datacenter: optionalString('datacenter', options.datacenter),
    election: keySegment('election', options.election, 'default', false),
    prefix: keySegment('prefix', options.prefix, 'election', true),
    lockDelaySeconds:
      options.lockDelaySeconds === undefined
        ? undefined
        : integer('lockDelaySeconds', options.lockDelaySeconds, 0, 0, 60, 'seconds'),
    sessionChecks: sessionChecks(options.sessionChecks),
    requestTimeoutMs: integer('requestTimeoutMs', options.requestTimeoutMs, 5000, 100, 600_000, 'ms'),
    watchWaitSeconds: integer('watchWaitSeconds', options.watchWaitSeconds, 60, 1, 600, 'seconds'),
    watchMinIntervalMs: integer('watchMinIntervalMs', options.watchMinIntervalMs, 500, 0, 60_000, 'ms'),
    leaveTimeoutMs: integer('leaveTimeoutMs', options.leaveTimeoutMs, 3000, 100, 600_000, 'ms'),
  };
}
