import { describe, expect, it } from 'vitest';
import { parseGoDuration } from '../../src/duration.js';

// Go's time.ParseDuration, which Consul applies to a session's TTL and to `wait`; the adapter reads
// the TTL back with it, and the simulator reads what clients send with it.
describe('parseGoDuration', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['250ms', 250],
    ['3µs', 0.003],
    ['3μs', 0.003],
    ['7ns', 0.000007],
    ['0', 0],
    ['-0', 0],
    ['-2s', -2000],
    ['+3ms', 3],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '-', 's', '10', '1d', '1s2', 'ten s', '1 s'])('refuses %j, as Go does', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});
