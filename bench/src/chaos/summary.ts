import { median } from '../util/stats.js';
import type { ChaosResult } from './run-chaos.js';

/** The closing lines of a chaos run: what was exercised, and the verdict with every violation. */
export function summarizeChaos(result: ChaosResult): string[] {
  const { history, verdict } = result;
  const byKind = new Map<string, number>();
  for (const fault of history.faults) byKind.set(fault.kind, (byKind.get(fault.kind) ?? 0) + 1);
  const accepted = history.writes.filter((write) => write.accepted).length;
  const recovered = result.recoveries.filter((ms): ms is number => ms !== null);
  const lines = [
    `faults: ${[...byKind].map(([kind, count]) => `${kind} ${count}`).join(', ')} (${history.faults.filter((f) => f.targetWasLeader).length} hit the leader)`,
    `leaderships: ${history.intervals.length}, fenced writes: ${accepted} accepted, ${history.writes.length - accepted} rejected as stale`,
    `single leader again after a fault: median ${Math.round(median(recovered))} ms, max ${Math.round(Math.max(0, ...recovered))} ms`,
  ];
  if (verdict.ok) {
    lines.push(
      'verdict: PASS (no overlapping leaderships, terms increase, fenced writes in order, a single leader within TTL + 1 s of every fault)',
    );
  } else {
    lines.push(`verdict: FAIL (${verdict.violations.length} violations)`);
    for (const violation of verdict.violations.slice(0, 50))
      lines.push(`  ${violation.kind}: ${violation.message}`);
    if (verdict.violations.length > 50) lines.push(`  … and ${verdict.violations.length - 50} more`);
  }
  return lines;
}
