import { describe, expect, it } from 'vitest';
import { assertStays, ConditionTimeoutError, createManualClock, waitFor } from '../src/index.js';

describe('waitFor', () => {
  it('advances a manual clock step by step until the condition holds', async () => {
    const clock = createManualClock();
    let ready = false;
    clock.setTimer(() => {
      ready = true;
    }, 95);
    await waitFor(() => ready, { clock, timeoutMs: 1000, message: 'ready' });
    expect(clock.now()).toBe(100);
  });

  it('honours stepMs', async () => {
    const clock = createManualClock();
    let ready = false;
    clock.setTimer(() => {
      ready = true;
    }, 101);
    await waitFor(() => ready, { clock, timeoutMs: 1000, stepMs: 100, message: 'ready' });
    expect(clock.now()).toBe(200);
  });

  it('fails at the fake deadline with an error naming the condition and what was seen', async () => {
    const clock = createManualClock();
    const error = await waitFor(() => false, {
      clock,
      timeoutMs: 500,
      message: 'node-a leads',
      describe: () => 'leader=node-b',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConditionTimeoutError);
    expect(String(error)).toMatch(/500 ms waiting for: node-a leads \(seen: leader=node-b\)/);
    expect(clock.now()).toBe(500);
  });

  it('accepts async predicates', async () => {
    const clock = createManualClock();
    await waitFor(async () => clock.now() >= 30, { clock, timeoutMs: 100, message: 'time passed' });
    expect(clock.now()).toBe(30);
  });

  it('polls in real time without a clock', async () => {
    const start = performance.now();
    let ready = false;
    setTimeout(() => {
      ready = true;
    }, 30);
    await waitFor(() => ready, { timeoutMs: 2000, message: 'real timer fired' });
    expect(performance.now() - start).toBeGreaterThanOrEqual(25);
  });

  it('fails at the real deadline without a clock', async () => {
    await expect(waitFor(() => false, { timeoutMs: 40, message: 'never' })).rejects.toThrow(
      /Timed out after 40 ms waiting for: never/,
    );
  });
});

describe('assertStays', () => {
  it('passes when the condition holds for the whole window', async () => {
    const clock = createManualClock();
    let checks = 0;
    await assertStays(
      () => {
        checks++;
        return true;
      },
      { clock, durationMs: 100, message: 'calm' },
    );
    expect(clock.now()).toBe(100);
    expect(checks).toBe(11);
  });

  it('fails as soon as the condition breaks, naming it', async () => {
    const clock = createManualClock();
    await expect(
      assertStays(() => clock.now() < 40, { clock, durationMs: 100, message: 'one leader' }),
    ).rejects.toThrow(/Stopped holding after 40 of 100 ms: one leader/);
  });
});
