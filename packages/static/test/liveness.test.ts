import { describe, expect, it } from 'vitest';
import { createLivenessTracker } from '../src/liveness.js';

function run(failureThreshold: number, successThreshold: number, results: boolean[]) {
  const tracker = createLivenessTracker(failureThreshold, successThreshold);
  return results.map((result) => {
    tracker.record(result);
    return tracker.alive;
  });
}

describe('liveness thresholds', () => {
  it('lets the first result decide the initial state', () => {
    expect(createLivenessTracker(3, 2).alive).toBeNull();
    expect(run(3, 2, [true])).toEqual([true]);
    expect(run(3, 2, [false])).toEqual([false]);
  });

  it('marks a live member dead only after failureThreshold consecutive failures', () => {
    expect(run(3, 1, [true, false, false, false])).toEqual([true, true, true, false]);
  });

  it('restarts the count when a success interrupts the failures', () => {
    expect(run(2, 1, [true, false, true, false, true, false, false])).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it('marks a dead member alive only after successThreshold consecutive successes', () => {
    expect(run(1, 3, [false, true, true, false, true, true, true])).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
  });

  it('reports a change exactly when the state flips', () => {
    const tracker = createLivenessTracker(2, 1);
    expect([true, true, false, false, false, true].map((result) => tracker.record(result))).toEqual([
      true,
      false,
      false,
      true,
      false,
      true,
    ]);
  });
});
