import { describe, expect, it } from 'vitest';
import { FencedLedger, StaleTermError } from '../src/leader-task.js';

describe('FencedLedger', () => {
  it('accepts writes from the newest term and refuses a stale one', () => {
    const ledger = new FencedLedger();
    ledger.write(5n, 'first leader');
    ledger.write(5n, 'first leader again');
    ledger.write(9n, 'second leader');
    expect(() => ledger.write(5n, 'first leader wakes up')).toThrow(StaleTermError);
    expect(() => ledger.write(5n, 'first leader wakes up')).toThrow(/term 5 is older than term 9/);
    expect(ledger.entries.map((entry) => entry.entry)).toEqual([
      'first leader',
      'first leader again',
      'second leader',
    ]);
  });
});
