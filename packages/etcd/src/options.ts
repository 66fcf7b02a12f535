import {
  type BackendCapabilities,
  checkOption,
  custom,
  defineOptions,
  excluding,
  keySegment,
  positiveMs,
  type TtlRange,
  ttl,
} from '@election/core/adapter';
import { Etcd3 } from 'etcd3';
import { endpointsProblem } from './client.js';
import { SOURCE } from './source.js';

/** TLS material for `https://` endpoints. PEM text or buffers. */
export interface EtcdTlsOptions {
  /** CA certificate(s) that signed etcd's server certificate. */
  readonly ca: Buffer | string;
  /** Client certificate, when etcd runs with `--client-cert-auth`. Needs `key` too. */
  readonly cert?: Buffer | string;
  /** Private key of `cert`. */
  readonly key?: Buffer | string;
}

/** etcd's own user/password authentication (`etcdctl auth enable`). */
export interface EtcdAuthOptions {
  readonly username: string;
  readonly password: string;
}

export interface EtcdMembershipOptions {
  /**
   * etcd client URLs, e.g. `http://127.0.0.1:2379` or `https://etcd-1:2379`. Default
   * `http://127.0.0.1:2379`. Not allowed together with `client`.
   */
  readonly endpoints?: string | readonly string[];
  readonly tls?: EtcdTlsOptions;
  readonly auth?: EtcdAuthOptions;
  /**
   * An `Etcd3` client you already have. The adapter uses it as it is (its fault handling
   * included) and never closes it. Not allowed together with `endpoints`, `tls` or `auth`.
   */
  readonly client?: Etcd3;
  /** Name of the election; nodes with the same prefix and election compete. Default `default`. */
  readonly election?: string;
  /** Key prefix. Default `election`, so keys look like `election/default/members/node-1`. */
  readonly prefix?: string;
  /** Lease TTL used when the elector gives none, ms (whole seconds, at least 2000). Default 10000. */
  readonly defaultTtlMs?: number;
  /** Upper bound on each etcd request (join, lock, resync), ms. Default 2000. */
  readonly requestTimeoutMs?: number;
  /** Upper bound on `leave()`, ms; past it the lease is left to expire. Default 1000. */
  readonly leaveTimeoutMs?: number;
}

export const MIN_TTL_MS = 2000;
/** etcd would take far longer leases, but a leader that takes a day to fail over helps nobody. */
export const MAX_TTL_MS = 86_400_000;
export const DEFAULT_TTL_MS = 10_000;

/**
 * A lease TTL etcd honours: whole seconds (etcd grants leases in seconds) and at least 2 s (etcd
 * raises shorter TTLs to about 1.5 election timeouts, so a shorter local deadline would be a lie).
 */
const LEASE_TTL: TtlRange = {
  min: MIN_TTL_MS,
  max: MAX_TTL_MS,
  wholeSeconds: true,
  what: 'etcd lease TTL',
  why: 'etcd leases count whole seconds, at least 2',
};

/** Throws ConfigurationError unless `ttlMs` is a lease TTL etcd honours (see LEASE_TTL). */
export function checkEtcdTtl(ttlMs: unknown, name = 'ttlMs'): number {
  return checkOption(SOURCE, ttl(undefined, LEASE_TTL), name, ttlMs);
}

export function capabilitiesFor(defaultTtlMs: number): BackendCapabilities {
  return {
    lock: true,
    minTtlMs: MIN_TTL_MS,
    maxTtlMs: MAX_TTL_MS,
    wholeSecondTtl: true,
    defaultTtlMs,
  };
}

const etcdOptions = defineOptions(SOURCE, {
  notAnObject: 'createEtcdMembership needs an options object, e.g. { endpoints: [...] }.',
  fields: {
    client: excluding(
      custom<Etcd3 | undefined>((client) =>
        client === undefined || client instanceof Etcd3
          ? undefined
          : 'client must be an Etcd3 instance from the etcd3 package.',
      ),
      ['endpoints', 'tls', 'auth'],
      (clashing) =>
        `Pass either client or connection options, not both: remove ${clashing.join(', ')} or client.`,
      { clashFirst: true },
    ),
    // A name segment sits between slashes in every key, so it must not contain one.
    election: keySegment('default', {
      message: (name, value) =>
        `${name} must be a non-empty string without "/" or control characters, got ${JSON.stringify(value)}.`,
    }),
    prefix: keySegment('election', {
      slashes: 'trim',
      message: (_, value) =>
        `prefix must be a non-empty key path such as "election" or "myapp/election", got ${JSON.stringify(value)}.`,
    }),
    defaultTtlMs: ttl(DEFAULT_TTL_MS, LEASE_TTL),
    requestTimeoutMs: positiveMs(2000),
    leaveTimeoutMs: positiveMs(1000),
    endpoints: custom<EtcdMembershipOptions['endpoints']>(endpointsProblem),
    tls: custom<EtcdTlsOptions | undefined>((tls) =>
      tls !== undefined &&
      ((tls as EtcdTlsOptions).ca === undefined ||
        ((tls as EtcdTlsOptions).cert === undefined) !== ((tls as EtcdTlsOptions).key === undefined))
        ? 'tls needs ca, and cert and key together (or neither).'
        : undefined,
    ),
    auth: custom<EtcdAuthOptions | undefined>((auth) =>
      auth !== undefined &&
      (typeof (auth as EtcdAuthOptions).username !== 'string' ||
        typeof (auth as EtcdAuthOptions).password !== 'string')
        ? 'auth needs a username and a password, both strings.'
        : undefined,
    ),
  },
});

export type ResolvedOptions = ReturnType<typeof etcdOptions>;

export function resolveOptions(options: EtcdMembershipOptions): ResolvedOptions {
  return etcdOptions(options);
}
