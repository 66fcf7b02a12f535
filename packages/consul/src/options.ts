import {
  custom,
  defineOptions,
  excluding,
  flag,
  keySegment,
  oneOf,
  optional,
  text,
  wholeNumber,
} from '@election/core/adapter';
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

/** Whitespace, "." segments and slashes at the ends: what Consul's key validation refuses. */
const CONSUL_KEY = {
  c1: true,
  dots: true,
  // Stricter than Consul on purpose: the key validation of PR #22850 (backports #22931, #22939)
  // refuses keys with leading or trailing spaces, and whitespace at either end of a name is a
  // typo in practice. Whatever else an agent refuses comes back as a ConfigurationError anyway.
  whitespace: true,
  reasons: {
    whitespace: 'a validating Consul agent refuses keys that do; remove it',
    dots: 'Consul refuses path traversal',
    slashes: 'Consul keys',
  },
} as const;

const consulOptions = defineOptions(SOURCE, {
  notAnObject: 'createConsulMembership() takes an options object.',
  fields: {
    client: excluding(
      custom<Consul | undefined>((client) => {
        const shape = client as { kv?: unknown; session?: unknown } | null | undefined;
        return client === undefined ||
          (typeof shape === 'object' && shape !== null && shape.kv && shape.session)
          ? undefined
          : 'client must be a client created with `new Consul(...)` from the npm package "consul".';
      }),
      ['host', 'port', 'secure', 'ca'],
      () => 'Pass either client or host/port/secure/ca, not both: the client already has a connection.',
    ),
    host: text('127.0.0.1'),
    secure: flag(false),
    port: wholeNumber(8500, { min: 1, max: 65535, unit: 'a TCP port' }),
    ca: custom<ConsulConnectionOptions['ca']>(() => undefined),
    token: text(undefined),
    datacenter: text(undefined),
    election: keySegment('default', CONSUL_KEY),
    prefix: keySegment('election', { ...CONSUL_KEY, slashes: 'inner' }),
    /** Undefined: the session's TTL (see ConsulMembershipOptions.lockDelaySeconds). */
    lockDelaySeconds: optional(wholeNumber(0, { min: 0, max: 60, unit: 'seconds' })),
    sessionChecks: oneOf(['serfHealth', 'none'], 'serfHealth'),
    requestTimeoutMs: wholeNumber(5000, { min: 100, max: 600_000, unit: 'ms' }),
    watchWaitSeconds: wholeNumber(60, { min: 1, max: 600, unit: 'seconds' }),
    watchMinIntervalMs: wholeNumber(500, { min: 0, max: 60_000, unit: 'ms' }),
    leaveTimeoutMs: wholeNumber(3000, { min: 100, max: 600_000, unit: 'ms' }),
  },
});

export type ResolvedConsulOptions = Omit<
  ReturnType<typeof consulOptions>,
  'host' | 'port' | 'secure' | 'ca'
> & {
  readonly connection: Required<Pick<ConsulConnectionOptions, 'host' | 'port' | 'secure'>> &
    Pick<ConsulConnectionOptions, 'ca'>;
};

/** Checks every option up front, so a typo fails createConsulMembership() rather than a request later. */
export function resolveOptions(options: ConsulMembershipOptions = {}): ResolvedConsulOptions {
  const { host, port, secure, ca, ...resolved } = consulOptions(options);
  return { ...resolved, connection: { host, port, secure, ...(ca === undefined ? {} : { ca }) } };
}
