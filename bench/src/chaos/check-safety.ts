import { type ChaosHistory, intervalEnd, type LeadershipInterval, type Violation } from './history.js';

const byStart = (a: LeadershipInterval, b: LeadershipInterval) => a.electedAt - b.electedAt;

/** No two leadership intervals (of different processes) may overlap on the shared clock. */
export function checkOverlaps(history: ChaosHistory): Violation[] {
  const violations: Violation[] = [];
  const sorted = [...history.intervals].filter((i) => intervalEnd(i) > i.electedAt).sort(byStart);
  // The interval reaching furthest so far: any later start before its end overlaps it.
  let reach: LeadershipInterval | undefined;
  for (const interval of sorted) {
    if (reach !== undefined && interval.electedAt < intervalEnd(reach) && interval.proc !== reach.proc) {
      violations.push({
        kind: 'overlap',
        message:
          `${interval.proc} (term ${interval.term}) was elected at ${iso(interval.electedAt)}, ` +
          `${(intervalEnd(reach) - interval.electedAt).toFixed(1)} ms before ${reach.proc} (term ${reach.term}) stopped leading`,
      });
    }
    if (reach === undefined || intervalEnd(interval) > intervalEnd(reach)) reach = interval;
  }
  return violations;
}

/**
 * Terms must grow from one leadership to the next. The one exception: the same process leading
 * again with the same token, which means it never lost the lock (e.g. it stepped down at its deadline
 * during an etcd outage and its lease survived); no one else led in between, so fencing is intact.
 */
export function checkTerms(history: ChaosHistory): Violation[] {
  const violations: Violation[] = [];
  let previous: LeadershipInterval | undefined;
  for (const interval of [...history.intervals].sort(byStart)) {
    if (interval.term === null) {
      violations.push({
        kind: 'missing-term',
        message: `${interval.proc} led from ${iso(interval.electedAt)} without a fencing token`,
      });
      continue;
    }
    if (previous !== undefined && previous.term !== null) {
      const before = BigInt(previous.term);
      const now = BigInt(interval.term);
      const resumed = now === before && interval.proc === previous.proc;
      if (now < before || (now === before && !resumed)) {
        violations.push({
          kind: 'term-order',
          message: `${interval.proc} was elected with term ${now} after ${previous.proc} held term ${before}`,
        });
      }
    }
    previous = interval;
  }
  return violations;
}

/**
 * The resource must never accept a token lower than one it accepted before, and every accepted write
 * must have been decided inside a leadership of its writer with that very token.
 */
export function checkWrites(history: ChaosHistory): Violation[] {
  const violations: Violation[] = [];
  let highest: bigint | undefined;
  for (const write of [...history.writes].sort((a, b) => a.receivedAt - b.receivedAt)) {
    if (!write.accepted) continue;
    const token = BigInt(write.token);
    if (highest !== undefined && token < highest) {
      violations.push({
        kind: 'write-order',
        message: `the resource accepted token ${token} from ${write.proc} after it had accepted ${highest}`,
      });
    }
    if (highest === undefined || token > highest) highest = token;
    const inside = history.intervals.some(
      (i) =>
        i.proc === write.proc &&
        i.term === write.token &&
        i.electedAt <= write.sentAt &&
        write.sentAt <= intervalEnd(i),
    );
    if (!inside) {
      violations.push({
        kind: 'write-outside-leadership',
        message: `${write.proc} wrote with token ${write.token} at ${iso(write.sentAt)}, outside any leadership of its own with that term`,
      });
    }
  }
  return violations;
}

/** Shared-clock ms as an ISO time, for messages people read. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
