import { describe, expect, it } from 'vitest';
import { acquireUnlessBlockerEnded, LOCK_ATTEMPTS, type LockAttempt } from '../src/adapter/index.js';

/** Answers in turn; counts the attempts. */
function attempts(answers: ReadonlyArray<LockAttempt<string>>) {
  let calls = 0;
  const attempt = async () => answers[calls++] ?? { token: null, blocker: 'later' };
  return { attempt, calls: () => calls };
}

describe('acquireUnlessBlockerEnded', () => {
  it('a null answer whose blocker already ended is asked again, and the next answer counts', async () => {
    const run = attempts([{ token: null, blocker: 'ended' }, { token: 7n }]);
    await expect(acquireUnlessBlockerEnded(run.attempt, (b) => b === 'ended')).resolves.toBe(7n);
    expect(run.calls()).toBe(2);
  });

  it('a null answer whose blocker is still shown (or not yet) is the answer', async () => {
    const run = attempts([{ token: null, blocker: 'holding' }, { token: 7n }]);
    await expect(acquireUnlessBlockerEnded(run.attempt, (b) => b === 'ended')).resolves.toBeNull();
    expect(run.calls()).toBe(1);
  });

  it('a token is the answer at once', async () => {
    const run = attempts([{ token: 3n }]);
    await expect(acquireUnlessBlockerEnded(run.attempt, () => true)).resolves.toBe(3n);
    expect(run.calls()).toBe(1);
  });

  it(`gives up with null after ${LOCK_ATTEMPTS} attempts when every blocker ended`, async () => {
    const run = attempts([]);
    await expect(acquireUnlessBlockerEnded(run.attempt, () => true)).resolves.toBeNull();
    expect(run.calls()).toBe(LOCK_ATTEMPTS);
  });
});
