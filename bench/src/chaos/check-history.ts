import { checkLiveness } from './check-liveness.js';
import { checkOverlaps, checkTerms, checkWrites } from './check-safety.js';
import type { ChaosHistory, Verdict } from './history.js';

/** The chaos run's verdict: pure, so handcrafted histories can prove each rule fails when it should. */
export function checkHistory(history: ChaosHistory): Verdict {
  const violations = [
    ...checkOverlaps(history),
    ...checkTerms(history),
    ...checkWrites(history),
    ...checkLiveness(history),
  ];
  return { ok: violations.length === 0, violations };
}
