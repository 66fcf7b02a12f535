/**
 * One clock for every process on this machine: `performance.timeOrigin + performance.now()` is
 * monotonic within a process and reads as epoch milliseconds, so timestamps printed by different
 * node processes and the orchestrator can be compared directly (sub-millisecond agreement).
 */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Nanoseconds from the high-resolution timer, for micro-benchmarks inside one process. */
export function hrNow(): bigint {
  return process.hrtime.bigint();
}

/** Elapsed microseconds between two `hrNow()` readings. */
export function elapsedMicros(start: bigint, end: bigint): number {
  return Number(end - start) / 1000;
}
