import {
  type BackendCapabilities,
  ConfigurationError,
  hasControlCharacter,
  optionChecks,
} from '@election/core/adapter';
import type { Etcd3 } from 'etcd3';
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

export interface ResolvedOptions {
  readonly election: string;
  readonly prefix: string;
  readonly defaultTtlMs: number;
  readonly requestTimeoutMs: number;
  readonly leaveTimeoutMs: number;
}

export const MIN_TTL_MS = 2000;
/** etcd would take far longer leases, but a leader that takes a day to fail over helps nobody. */
export const MAX_TTL_MS = 86_400_000;
export const DEFAULT_TTL_MS = 10_000;

/**
 * Throws ConfigurationError unless `ttlMs` is a lease TTL etcd honours: whole seconds (etcd grants
 * leases in seconds) and at least 2 s (etcd raises shorter TTLs to about 1.5 election timeouts,
 * so a shorter local deadline would be a lie).
 */
export function checkEtcdTtl(ttlMs: unknown, name = 'ttlMs'): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs)) {
    throw new ConfigurationError(`${name} must be a number of milliseconds, got ${String(ttlMs)}.`, {
      source: SOURCE,
    });
  }
  if (ttlMs % 1000 !== 0 || ttlMs < MIN_TTL_MS || ttlMs > MAX_TTL_MS) {
    const lower = Math.max(MIN_TTL_MS, Math.floor(ttlMs / 1000) * 1000);
    throw new ConfigurationError(
      `${name} ${ttlMs} is not a valid etcd lease TTL: it must be a whole number of seconds between ` +
        `${MIN_TTL_MS} and ${MAX_TTL_MS} ms (etcd leases count whole seconds, at least 2). ` +
        `Use ${Math.min(lower, MAX_TTL_MS)}, for example.`,
      { source: SOURCE },
    );
  }
  return ttlMs;
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

const checks = optionChecks(SOURCE);

// A name segment sits between slashes in every key, so it must not contain one.
function checkSegment(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || value.includes('/') || hasControlCharacter(value)) {
    throw new ConfigurationError(
      `${name} must be a non-empty string without "/" or control characters, got ${JSON.stringify(value)}.`,
      { source: SOURCE },
    );
  }
  return value;
}

function checkPrefix(value: unknown): string {
  if (value === undefined) return 'election';
  const trimmed = typeof value === 'string' ? value.replace(/^\/+|\/+$/g, '') : '';
  if (trimmed.length === 0 || hasControlCharacter(trimmed) || trimmed.includes('//')) {
    throw new ConfigurationError(
      `prefix must be a non-empty key path such as "election" or "myapp/election", got ${JSON.stringify(value)}.`,
      { source: SOURCE },
    );
  }
  return trimmed;
}

export function resolveOptions(options: EtcdMembershipOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createEtcdMembership needs an options object, e.g. { endpoints: [...] }.', {
      source: SOURCE,
    });
  }
  if (options.client !== undefined) {
    const clashing = (['endpoints', 'tls', 'auth'] as const).filter((key) => options[key] !== undefined);
    if (clashing.length > 0) {
      throw new ConfigurationError(
        `Pass either client or connection options, not both: remove ${clashing.join(', ')} or client.`,
        { source: SOURCE },
      );
    }
  }
  return {
    election: checkSegment('election', options.election, 'default'),
    prefix: checkPrefix(options.prefix),
    defaultTtlMs:
      options.defaultTtlMs === undefined
        ? DEFAULT_TTL_MS
        : checkEtcdTtl(options.defaultTtlMs, 'defaultTtlMs'),
    requestTimeoutMs: checks.positiveMs('requestTimeoutMs', options.requestTimeoutMs, 2000),
    leaveTimeoutMs: checks.positiveMs('leaveTimeoutMs', options.leaveTimeoutMs, 1000),
  };
}
