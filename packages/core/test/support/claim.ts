import { LockClaim } from '../../src/elector/lock-claim.js';
import type { LeaderLock } from '../../src/index.js';
import { createBackoff } from '../../src/time/backoff.js';
import type { TestClock } from './manual-clock.js';

/** A LockClaim of node `me` on `lock`: call timeout 1 s, exact backoff 100, 200, … ms. */
export function claimOn(lock: LeaderLock, clock: TestClock, onChange: () => void = () => {}): LockClaim {
  return new LockClaim({
    lock,
    selfId: 'me',
    clock,
    callTimeoutMs: 1000,
    backoff: createBackoff({ initialMs: 100, maxMs: 1000, random: () => 1 }),
    onChange,
    onError: () => {},
  });
}
