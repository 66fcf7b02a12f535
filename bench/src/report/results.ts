import type { CoreResults } from '../core/run-core.js';
import type { FailoverResults } from '../failover/run-failover-suite.js';
import type { ScaleResult } from '../scale/run-scale.js';
import type { Machine } from './machine.js';

/** Everything one `pnpm bench` run measured; parts that were skipped are absent. */
export interface BenchResults {
  readonly machine: Machine;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly loadAtEnd: number;
  readonly rounds: number;
  readonly core?: CoreResults;
  readonly failover?: FailoverResults;
  readonly scale?: ScaleResult;
  /** Parts (or runs within them) that failed, with why. */
  readonly errors: readonly string[];
}

/** One row of the printed table. */
export interface TableRow {
  readonly part: string;
  readonly measure: string;
  readonly result: string;
  readonly target: string;
  /** PASS, FAIL, or '' for a baseline without a target. */
  readonly verdict: string;
}
