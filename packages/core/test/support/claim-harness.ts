import { LockClaim } from '../../src/elector/lock-claim.js';
import type { ElectionError, LeaderLock } from '../../src/index.js';
import { createBackoff } from '../../src/time/backoff.js';
import { createTestClock, type TestClock } from './manual-clock.js';

/**
 * One LockClaim with every lock call answered by hand. Backoff delays are exact (random 1): 100,
 * 200, … With `transfer`, the lock offers the direct handover too.
 */
export interface Pending {
  readonly kind: 'acquire' | 'release' | 'transfer';
  readonly to?: string;
  readonly token?: bigint;
  resolve(value: bigint | null | undefined): void;
  reject(error: Error): void;
}

export function setupClaim(options: { timeoutMs?: number; keepOrphans?: boolean; transfer?: boolean } = {}) {
  const clock: TestClock = createTestClock(0);
  const calls: Pending[] = [];
  const errors: ElectionError[] = [];
  let changes = 0;
  const lock: LeaderLock = {
    tryAcquire: () =>
      new Promise<bigint | null>((resolve, reject) => {
        calls.push({ kind: 'acquire', resolve: (v) => resolve(v as bigint | null), reject });
      }),
    release: (token) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ kind: 'release', token, resolve: () => resolve(), reject });
      }),
    watchHolder: () => () => {},
    ...(options.transfer
      ? {
          transfer: (token: bigint, to: string) =>
            new Promise<bigint | null>((resolve, reject) => {
              calls.push({
                kind: 'transfer',
                token,
                to,
                resolve: (v) => resolve(v as bigint | null),
                reject,
              });
            }),
        }
      : {}),
  };
  const claim = new LockClaim({
    lock,
    selfId: 'me',
    clock,
    callTimeoutMs: options.timeoutMs ?? 1000,
    backoff: createBackoff({ initialMs: 100, maxMs: 1000, random: () => 1 }),
    onChange: () => {
      changes++;
    },
    onError: (error) => errors.push(error),
    ...(options.keepOrphans ? { unsafeKeepOrphans: true } : {}),
  });
  const last = () => calls.at(-1) as Pending;
  const settle = () => clock.advance(0);
  return { clock, calls, errors, claim, last, settle, changes: () => changes };
}
