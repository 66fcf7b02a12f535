import { parseGoDuration } from '../../../src/duration.js';

/**
 * Go's Duration.String and Consul's duration fields, as far as the simulator needs them; parsing is
 * the adapter's own `parseGoDuration` (Go's time.ParseDuration). Durations are in milliseconds.
 */

/** Like Go's Duration.String for whole milliseconds: "10s", "1m30s", "24h0m0s", "250ms". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** Consul accepts LockDelay as a duration string or as a number of nanoseconds. */
export function parseDurationField(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value / 1e6;
  if (typeof value === 'string') return parseGoDuration(value);
  return undefined;
}
