import type { ManualClock } from './manual-clock.js';

export interface PollOptions {
  /** Poll on this clock's fake time (advancing it); without one, poll in real time. */
  readonly clock?: ManualClock;
  /** How far apart two checks are, in the clock's ms (real ms without a clock). Default 10. */
  readonly stepMs?: number;
  /** Names the condition in the failure, e.g. "every node agrees that node-a leads". */
  readonly message: string;
  /** Called on failure to add the state that was seen (who leads where, …) to the error message. */
  readonly describe?: () => string;
}

export interface WaitForOptions extends PollOptions {
  /** Give up after this long, in the clock's ms (real ms without a clock). */
  readonly timeoutMs: number;
}

export interface AssertStaysOptions extends PollOptions {
  /** Keep checking for this long, in the clock's ms (real ms without a clock). */
  readonly durationMs: number;
}

/** Thrown when a polled condition did not hold in time; the message names the condition. */
export class ConditionTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionTimeoutError';
  }
}

type Predicate = () => boolean | Promise<boolean>;

/** Real-time or fake-time polling, the same loop either way. */
interface Ticker {
  elapsed(): number;
  step(ms: number): Promise<void>;
}

function tickerFor(clock: ManualClock | undefined): Ticker {
  if (clock !== undefined) {
    const start = clock.now();
    return { elapsed: () => clock.now() - start, step: (ms) => clock.advance(ms) };
  }
  const start = performance.now();
  return {
    elapsed: () => performance.now() - start,
    step: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  };
}

function details(options: PollOptions): string {
  if (options.describe === undefined) return '';
  try {
    return ` (seen: ${options.describe()})`;
  } catch (error) {
    return ` (describe() threw: ${String(error)})`;
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * Resolves once `predicate` returns true; checks every `stepMs` until `timeoutMs` has passed, then
 * throws a ConditionTimeoutError naming the condition. With a manual clock, time is advanced by
 * the wait itself, so timers (renewals, expiries, retries) fire while it waits.
 */
export async function waitFor(predicate: Predicate, options: WaitForOptions): Promise<void> {
  const ticker = tickerFor(options.clock);
  const stepMs = positive(options.stepMs, 10);
  for (;;) {
    if (await predicate()) return;
    const remaining = options.timeoutMs - ticker.elapsed();
    if (remaining <= 0) break;
    await ticker.step(Math.min(stepMs, remaining));
  }
  throw new ConditionTimeoutError(
    `Timed out after ${options.timeoutMs} ms waiting for: ${options.message}${details(options)}`,
  );
}

/**
 * The opposite check: `predicate` must stay true for `durationMs` (checked every `stepMs`), else
 * throws naming the condition. Use it to show that something does NOT happen (a second leader, an
 * observer leading), with a window long enough for it to have happened.
 */
export async function assertStays(predicate: Predicate, options: AssertStaysOptions): Promise<void> {
  const ticker = tickerFor(options.clock);
  const stepMs = positive(options.stepMs, 10);
  for (;;) {
    if (!(await predicate())) {
      throw new ConditionTimeoutError(
        `Stopped holding after ${Math.round(ticker.elapsed())} of ${options.durationMs} ms: ${options.message}${details(options)}`,
      );
    }
    const remaining = options.durationMs - ticker.elapsed();
    if (remaining <= 0) return;
    await ticker.step(Math.min(stepMs, remaining));
  }
}
