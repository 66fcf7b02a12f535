import type { NodeEvent } from '../nodes/report.js';
import type { LeadershipInterval } from './history.js';

/** The events one chaos node process printed, tagged with its incarnation. */
export interface ProcessLog {
  readonly node: string;
  readonly proc: string;
  readonly events: readonly NodeEvent[];
}

/**
 * Turns a node's `elected` / `deadline` / `demoted` events into leadership intervals. A leadership
 * still open when the log ends (the process was killed, or the run stopped) keeps its last deadline.
 */
export function buildIntervals(log: ProcessLog): LeadershipInterval[] {
  const intervals: LeadershipInterval[] = [];
  let open: { term: string | null; electedAt: number; deadline: number } | undefined;
  const close = (demotedAt: number | null) => {
    if (open === undefined) return;
    intervals.push({ node: log.node, proc: log.proc, ...open, demotedAt });
    open = undefined;
  };
  for (const event of log.events) {
    if (event.type === 'elected') {
      close(event.t);
      open = {
        term: asTerm(event.term),
        electedAt: event.t,
        deadline: asNumber(event.deadline, Number.POSITIVE_INFINITY),
      };
    } else if (event.type === 'deadline' && open !== undefined) {
      open.deadline = Math.max(open.deadline, asNumber(event.deadline, open.deadline));
    } else if (event.type === 'demoted') {
      close(event.t);
    }
  }
  close(null);
  return intervals;
}

function asTerm(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** A leader that reported no deadline counts as leading until it says otherwise: the strict reading. */
function asNumber(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
