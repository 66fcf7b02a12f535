import type { Logger } from '../logger.js';
import { type Clock, sleep } from '../time/clock.js';

/**
 * How a join waits out the registration that holds its id (`JoinRounds.waitOut`: a crashed
 * process restarted under its own id), by reading the holder again and again (a poll, or a read
 * that blocks until the holder changes): the backend supplies one reading and the judgement of
 * it, the loop, the pause and the one log line are the same everywhere.
 * The backend contract's rule: only a holder seen renewed is a duplicate; one that goes away is
 * waited out, however long its TTL still runs.
 */
export interface WaitOut<R> {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** The member id, for the log line. */
  readonly id: string;
  /**
   * Reads the holder once: undefined once it is gone (expired, revoked, deleted). `base` is the
   * reading the wait is judged from (none for the first): a read that blocks until the holder
   * changes (Consul's blocking query) sizes its wait by it.
   */
  read(base?: R): Promise<R | undefined>;
  /**
   * Time between two readings, from the first one, ms. 0: no pause, only for a read that blocks
   * on the backend and paces itself (Consul's blocking query); a read that answers at once would
   * spin.
   */
  pollMs(first: R): number;
  /**
   * The announced wait, from the first reading: "waiting up to <ms> ms for the previous
   * registration of <id> to expire", at info, with `fields` and `waitMs`. Undefined: a wait
   * without a known bound, announced as "waiting for the previous registration of <id> to expire".
   */
  waitMs?(first: R): number;
  /** Log fields of the announcement (the lease, the session). */
  readonly fields?: Readonly<Record<string, unknown>>;
  /**
   * A later reading against the base one (the first, or the last that restarted the observation):
   * `renewed` ends the wait with `duplicate()`; `restart` makes it the base (a new backend leader
   * restarts every TTL clock); else the wait goes on.
   */
  judge(reading: R, base: R): 'renewed' | 'restart' | 'waiting';
  /** The DuplicateMemberError of a holder seen renewed: a live process keeps the id. */
  duplicate(): Error;
}

/** Waits until the holder is gone; throws `duplicate()` once it is seen renewed; rejects on abort. */
export async function waitOutHolder<R>(wait: WaitOut<R>): Promise<void> {
  const { clock, signal, logger, id } = wait;
  let base = await wait.read();
  if (base === undefined) return;
  const waitMs = wait.waitMs?.(base);
  if (waitMs === undefined)
    logger.info({ ...wait.fields }, `waiting for the previous registration of ${id} to expire`);
  else
    logger.info(
      { ...wait.fields, waitMs },
      `waiting up to ${waitMs} ms for the previous registration of ${id} to expire`,
    );
  const pollMs = wait.pollMs(base);
  for (;;) {
    if (pollMs === 0) signal.throwIfAborted();
    else await sleep(clock, pollMs, signal);
    const reading = await wait.read(base);
    if (reading === undefined) {
      logger.debug({ ...wait.fields }, 'the previous registration expired; joining');
      return;
    }
    const verdict = wait.judge(reading, base);
    if (verdict === 'renewed') throw wait.duplicate();
    if (verdict === 'restart') base = reading;
  }
}
