import type { BackendCapabilities } from '@election/core';
import { UsageError } from './flags.js';

/** Seconds as a user writes them: `2`, `1.5`, `0.001`. */
function secondsText(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)));
}

/**
 * The TTL in ms for the elector, checked against what the backend accepts, or a UsageError that
 * speaks in the unit the user gave (seconds, not core's `ttlMs`), names the flag or variable, and
 * suggests the nearest value that works: `--ttl 1.5: etcd needs a whole number of seconds between 2
 * and 86400; use 2.` undefined: no TTL given, the backend's default applies.
 */
export function ttlMsFor(
  seconds: number | undefined,
  given: string | undefined,
  backend: { readonly name: string; readonly capabilities: BackendCapabilities },
): number | undefined {
  if (seconds === undefined) return undefined;
  const { minTtlMs, maxTtlMs, wholeSecondTtl } = backend.capabilities;
  const ms = Math.round(seconds * 1000);
  const whole = !wholeSecondTtl || Number.isInteger(seconds);
  if (whole && ms >= minTtlMs && ms <= maxTtlMs) return ms;
  const nearest = wholeSecondTtl ? Math.round(seconds) * 1000 : ms;
  const suggestion = Math.min(Math.max(nearest, minTtlMs), maxTtlMs);
  const kind = wholeSecondTtl ? 'a whole number of seconds' : 'a TTL in seconds';
  // A backend without a real upper bound (static: any TTL is ignored) gets no absurd maximum.
  const range =
    maxTtlMs >= Number.MAX_SAFE_INTEGER / 2
      ? `of at least ${secondsText(minTtlMs)}`
      : `between ${secondsText(minTtlMs)} and ${secondsText(maxTtlMs)}`;
  throw new UsageError(
    `${given ?? `--ttl ${seconds}`}: ${backend.name} needs ${kind} ${range}; use ${secondsText(suggestion)}.`,
  );
}
