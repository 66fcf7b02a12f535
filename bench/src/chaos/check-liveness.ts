import { iso } from './check-safety.js';
import { type ChaosHistory, type FaultRecord, intervalEnd, type Violation } from './history.js';

/**
 * After every fault, within TTL + grace of `expectLeaderFrom`, there must be a moment at which
 * exactly one node that can act (not killed, not paused) holds an open leadership interval.
 */
export function checkLiveness(history: ChaosHistory): Violation[] {
  const violations: Violation[] = [];
  for (const fault of history.faults) {
    if (!hasSingleLeaderWithin(history, fault)) {
      violations.push({
        kind: 'no-leader',
        message:
          `no single leader within ${history.ttlMs + history.graceMs} ms after ${fault.kind} of ${fault.target} ` +
          `(window from ${iso(fault.expectLeaderFrom)})`,
      });
    }
  }
  return violations;
}

function hasSingleLeaderWithin(history: ChaosHistory, fault: FaultRecord): boolean {
  const from = fault.expectLeaderFrom;
  const to = from + history.ttlMs + history.graceMs;
  // The count of acting leaders only changes at these instants, so checking them is exhaustive.
  const instants = new Set<number>([from]);
  for (const interval of history.intervals) {
    for (const t of [interval.electedAt, intervalEnd(interval)]) if (t > from && t <= to) instants.add(t);
  }
  for (const gap of history.unavailable) {
    for (const t of [gap.from, gap.to ?? Number.POSITIVE_INFINITY]) if (t > from && t <= to) instants.add(t);
  }
  for (const t of instants) {
    if (actingLeadersAt(history, t) === 1) return true;
  }
  return false;
}

function actingLeadersAt(history: ChaosHistory, t: number): number {
  let count = 0;
  for (const interval of history.intervals) {
    if (interval.electedAt > t || t >= intervalEnd(interval)) continue;
    const away = history.unavailable.some(
      (gap) => gap.proc === interval.proc && gap.from <= t && (gap.to === null || t < gap.to),
    );
    if (!away) count += 1;
  }
  return count;
}
