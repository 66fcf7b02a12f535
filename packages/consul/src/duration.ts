/** Go's time.ParseDuration units, in ms: what Consul writes in a session's `TTL` ("10s", "1m30s"). */
const UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * A Go duration string in ms, as Go's time.ParseDuration reads it (Consul parses a session's TTL
 * so: agent/consul/session_ttl.go, resetSessionTimer): an optional sign, then number-unit parts;
 * `"0"` is zero; anything Go would refuse is undefined. The simulator reads durations with it too.
 */
export function parseGoDuration(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.startsWith('-') || text.startsWith('+') ? text.slice(1) : text;
  if (body === '0') return 0;
  if (body.length === 0) return undefined;
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < body.length) {
    const match = PART.exec(body);
    if (match === null) return undefined;
    ms += Number(match[1]) * (UNITS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(ms) ? sign * ms : undefined;
}
