/**
 * Go's time.ParseDuration / Duration.String, which Consul uses for TTL, LockDelay and wait, as far as
 * the simulator needs them. Durations are in milliseconds (fractions allowed).
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const match = /^([-+]?)((?:\d*\.?\d+(?:ns|us|µs|ms|s|m|h))+)$/.exec(text);
  if (!match) return undefined;
  let total = 0;
  for (const part of match[2]?.matchAll(/(\d*\.?\d+)(ns|us|µs|ms|s|m|h)/g) ?? []) {
    total += Number(part[1]) * (UNIT_MS[part[2] ?? ''] ?? Number.NaN);
  }
  if (!Number.isFinite(total)) return undefined;
  return match[1] === '-' ? -total : total;
}

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
