import type { MembershipBackend } from '../contracts/backend.js';
import type { Member, MemberComparator } from '../contracts/member.js';
import { ConfigurationError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import { maskSecrets } from '../mask-secrets.js';
import { compareMembers } from '../ordering/compare.js';
import { validateMember } from '../ordering/validate-member.js';
import type { BackoffOptions } from '../time/backoff.js';
import { type Clock, systemClock } from '../time/clock.js';
import type { ElectionMode, ElectorOptions } from './types.js';

export interface ResolvedOptions {
  readonly member: Member;
  readonly backend: MembershipBackend;
  /** The backend for people: "etcd at http://127.0.0.1:2379", or "the static backend". */
  readonly backendLabel: string;
  readonly mode: ElectionMode;
  readonly ttlMs: number;
  readonly marginMs: number;
  readonly resyncIntervalMs: number;
  readonly handoverDelayMs: number;
  readonly lockTimeoutMs: number;
  /** Test-only (the simulator's deliberate bug): never release unwanted lock holdings. Not public. */
  readonly unsafeKeepOrphans: boolean;
  readonly startTimeoutMs: number | undefined;
  readonly takeover: boolean;
  readonly backoff: BackoffOptions;
  readonly compare: MemberComparator;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly signal: AbortSignal | undefined;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(
      `${name} must be a finite number of milliseconds >= 0, got ${String(value)}.`,
    );
  }
  return value;
}

function resolveTtl(backend: MembershipBackend, ttlMs: number | undefined): number {
  const caps = backend.capabilities;
  const ttl = ttlMs ?? caps.defaultTtlMs;
  const range = `${caps.minTtlMs}..${caps.maxTtlMs} ms`;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < caps.minTtlMs || ttl > caps.maxTtlMs) {
    throw new ConfigurationError(
      `ttlMs ${String(ttl)} is outside what the ${backend.name} backend accepts (${range}). Pick a TTL in that range.`,
    );
  }
  if (caps.wholeSecondTtl && ttl % 1000 !== 0) {
    const rounded = Math.max(caps.minTtlMs, Math.round(ttl / 1000) * 1000);
    throw new ConfigurationError(
      `ttlMs ${ttl} is not a whole number of seconds, which the ${backend.name} backend requires. Use ${rounded}.`,
    );
  }
  return ttl;
}

/** Validates everything up front, so a bad option fails createElector() and not a timer later. */
export function resolveOptions(options: ElectorOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createElector() needs an options object: { id, membership }.');
  }
  const backend = options.membership;
  if (!backend || typeof backend.join !== 'function' || typeof backend.capabilities !== 'object') {
    throw new ConfigurationError(
      'membership must be a membership backend such as createEtcdMembership(...) from @election/etcd.',
    );
  }
  const member = validateMember({
    id: options.id,
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(options.observer ? { observer: true } : {}),
    ...(options.meta === undefined ? {} : { meta: { ...options.meta } }),
  });
  const mode = options.mode ?? (backend.capabilities.lock ? 'confirmed' : 'view');
  if (mode !== 'view' && mode !== 'confirmed') {
    throw new ConfigurationError(`mode must be "view" or "confirmed", got ${JSON.stringify(mode)}.`);
  }
  if (mode === 'confirmed' && !backend.capabilities.lock) {
    throw new ConfigurationError(
      `mode "confirmed" needs a backend with a leader lock; the ${backend.name} backend has none. Use mode "view", or etcd/Consul.`,
    );
  }
  const ttlMs = resolveTtl(backend, options.ttlMs);
  const marginMs = nonNegative('deadlineMarginMs', options.deadlineMarginMs, Math.min(ttlMs / 10, 500));
  if (marginMs >= ttlMs) {
    throw new ConfigurationError(
      `deadlineMarginMs (${marginMs}) must be smaller than the TTL (${ttlMs} ms).`,
    );
  }
  const lockTimeoutMs = nonNegative('lockTimeoutMs', options.lockTimeoutMs, Math.min(ttlMs / 2, 5000));
  if (lockTimeoutMs === 0) throw new ConfigurationError('lockTimeoutMs must be greater than 0.');
  const resyncIntervalMs = nonNegative('resyncIntervalMs', options.resyncIntervalMs, 5000);
  if (resyncIntervalMs === 0) throw new ConfigurationError('resyncIntervalMs must be greater than 0.');
  const startTimeoutMs =
    options.startTimeoutMs === undefined
      ? undefined
      : nonNegative('startTimeoutMs', options.startTimeoutMs, 0);
  if (options.compare !== undefined && typeof options.compare !== 'function') {
    throw new ConfigurationError('compare must be a function (a, b) => number.');
  }
  const logger = (options.logger ?? silentLogger).child({ electorId: options.id });
  if (lockTimeoutMs > ttlMs / 2) {
    // Not an error: a late answer still counts while the deadline lies ahead, and the lease counts
    // from renewal sends, not from lock calls, so a slow call costs no lease. But a call stuck that
    // long is reported (an 'error' event, the log) only after half the lease or more.
    logger.warn(
      { lockTimeoutMs, ttlMs },
      `lockTimeoutMs (${lockTimeoutMs} ms) is more than half the TTL (${ttlMs} ms): a lock call that gets no answer is reported as slow only after that long, by when a node waiting for the lock has been waiting half a lease or more. Lower lockTimeoutMs, or raise ttlMs.`,
    );
  }
  return {
    member,
    backend,
    // A custom backend may name its endpoint with credentials in it: the label goes into logs and errors.
    backendLabel: backend.endpoint
      ? `${backend.name} at ${maskSecrets(backend.endpoint)}`
      : `the ${backend.name} backend`,
    mode,
    ttlMs,
    marginMs,
    resyncIntervalMs,
    handoverDelayMs: nonNegative('handoverDelayMs', options.handoverDelayMs, 0),
    lockTimeoutMs,
    unsafeKeepOrphans: (options as { readonly unsafeKeepOrphans?: boolean }).unsafeKeepOrphans === true,
    startTimeoutMs,
    takeover: options.takeover === true,
    backoff: options.backoff ?? {},
    compare: options.compare ?? compareMembers,
    logger,
    clock: options.clock ?? systemClock,
    signal: options.signal,
  };
}
