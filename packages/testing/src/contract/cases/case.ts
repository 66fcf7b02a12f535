import type { Harness } from '../harness.js';

/** One contract case; `needsLock` cases are skipped (and say so) for backends without a lock. */
export interface ContractCase {
  readonly title: string;
  readonly needsLock?: boolean;
  run(h: Harness): Promise<void>;
}
