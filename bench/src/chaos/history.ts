/**
 * What a chaos run records, in one shape the checker reads. Times are milliseconds on the shared
 * machine clock (performance.timeOrigin + performance.now() in every process). Terms and tokens are
 * decimal strings, as they travel in JSON.
 */

/** One stretch during which a node process considered itself leader. */
export interface LeadershipInterval {
  /** Node id, e.g. "n1". */
  readonly node: string;
  /** The process incarnation, e.g. "n1#3": a restarted node is a new process. */
  readonly proc: string;
  /** Fencing token of this leadership; null would mean the node led without one. */
  readonly term: string | null;
  readonly electedAt: number;
  /** The latest lease deadline the node reported for this leadership. */
  readonly deadline: number;
  /** When the node reported its demotion; null if it never did (killed, or run ended). */
  readonly demotedAt: number | null;
}

/** One request the fenced resource received. */
export interface ResourceWrite {
  readonly node: string;
  readonly proc: string;
  readonly token: string;
  /** When the node decided to write (read before its last isLeader check). */
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly accepted: boolean;
}

/**
 * Node faults, then the database's: etcd SIGKILLed and restarted; PostgreSQL SIGKILLed (every
 * backend with it) and restarted, SIGSTOPped and resumed, or shut down (fast) and started again.
 */
export type FaultKind = 'kill' | 'pause' | 'restart' | ServerFaultKind;
export type ServerFaultKind = 'etcd-kill' | 'db-kill' | 'db-pause' | 'db-restart';

export interface FaultRecord {
  readonly kind: FaultKind;
  /** Node id, or the database ("etcd", "postgres"). */
  readonly target: string;
  /** Whether the target led when the fault was injected. */
  readonly targetWasLeader: boolean;
  readonly at: number;
  /** From here a single leader must appear within TTL + grace (database faults: once it is back). */
  readonly expectLeaderFrom: number;
}

/** A period during which a node process could not act: SIGSTOPped, or gone for good (to = null). */
export interface Unavailability {
  readonly proc: string;
  readonly from: number;
  readonly to: number | null;
}

export interface ChaosHistory {
  readonly ttlMs: number;
  /** Slack after the TTL within which a leader must exist again (1000 ms). */
  readonly graceMs: number;
  readonly intervals: readonly LeadershipInterval[];
  readonly writes: readonly ResourceWrite[];
  readonly faults: readonly FaultRecord[];
  readonly unavailable: readonly Unavailability[];
}

export type ViolationKind =
  | 'overlap'
  | 'term-order'
  | 'missing-term'
  | 'write-order'
  | 'write-outside-leadership'
  | 'no-leader';

export interface Violation {
  readonly kind: ViolationKind;
  readonly message: string;
}

export interface Verdict {
  readonly ok: boolean;
  readonly violations: readonly Violation[];
}

/** When a leadership ended as the node itself saw it: its demotion, or its deadline if earlier. */
export function intervalEnd(interval: LeadershipInterval): number {
  return interval.demotedAt === null ? interval.deadline : Math.min(interval.demotedAt, interval.deadline);
}
