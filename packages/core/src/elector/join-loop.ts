import type { MembershipSession } from '../contracts/backend.js';
import {
  ConfigurationError,
  DuplicateMemberError,
  type ElectionError,
  InvalidIdError,
  LifecycleError,
  StartTimeoutError,
} from '../errors.js';
import { createBackoff } from '../time/backoff.js';
import { sleep } from '../time/clock.js';
import { abortable } from './abortable.js';
import type { ResolvedOptions } from './options.js';
import { toElectionError } from './to-election-error.js';

export interface JoinLoopOptions {
  /** The first join of start(): a duplicate id fails it, and startTimeoutMs applies. */
  readonly initial: boolean;
  /** Aborted by stop(). */
  readonly signal: AbortSignal;
  /** A failed attempt (or a late session's failed leave); `retryInMs` when the next try is known. */
  readonly reportError: (error: ElectionError, retryInMs?: number) => void;
  /** Called after each failed attempt (1, 2, …), before the backoff. */
  readonly onAttemptFailed?: (error: ElectionError, attempt: number) => void;
}

/**
 * Joins the backend, retrying with capped, jittered backoff until it works or the elector stops.
 * Rejects only for the first join (duplicate id, start timeout) or when stopped meanwhile.
 */
export async function joinWithRetry(
  options: ResolvedOptions,
  loop: JoinLoopOptions,
): Promise<MembershipSession> {
  const { backend, clock, member, ttlMs, logger, startTimeoutMs, takeover } = options;
  const backoff = createBackoff(options.backoff);
  const giveUpAt = loop.initial && startTimeoutMs !== undefined ? clock.now() + startTimeoutMs : undefined;
  let lastError: ElectionError | undefined;
  let attempts = 0;
  for (;;) {
    if (loop.signal.aborted) throw stoppedError();
    const attempt = new AbortController();
    const stop = () => attempt.abort(stoppedError());
    loop.signal.addEventListener('abort', stop, { once: true });
    const cancelTimeout =
      giveUpAt === undefined
        ? undefined
        : clock.setTimer(() => attempt.abort(timeoutError(options, lastError)), giveUpAt - clock.now());
    try {
      const joining = backend.join({ member, ttlMs, clock, logger, signal: attempt.signal, takeover });
      // A join that ignores the signal must not hold start() hostage; a session it opens late is left.
      const session = await abortable(joining, attempt.signal, (late) => {
        late
          .leave()
          .catch((error: unknown) => loop.reportError(toElectionError(error, 'leaving a late session')));
      });
      return session;
    } catch (error) {
      if (loop.signal.aborted) throw stoppedError();
      if (error instanceof StartTimeoutError) throw error;
      const failure = toElectionError(error, `joining the ${backend.name} backend`);
      // Retrying cannot fix these: say so at start() instead of retrying forever.
      const permanent =
        failure instanceof DuplicateMemberError ||
        failure instanceof ConfigurationError ||
        failure instanceof InvalidIdError;
      if (permanent && loop.initial) throw failure;
      lastError = failure;
      attempts++;
      loop.onAttemptFailed?.(failure, attempts);
      const delay = backoff.next();
      loop.reportError(failure, delay);
      if (giveUpAt !== undefined && clock.now() + delay >= giveUpAt) {
        await sleep(clock, Math.max(0, giveUpAt - clock.now()), loop.signal).catch(() => {});
        if (!loop.signal.aborted) throw timeoutError(options, lastError);
      }
      logger.debug({ delayMs: Math.round(delay) }, 'join failed; retrying');
      await sleep(clock, delay, loop.signal).catch(() => {});
    } finally {
      cancelTimeout?.();
      loop.signal.removeEventListener('abort', stop);
    }
  }
}

/** What start() rejects with when stop() comes before the node finished joining. */
export function stoppedError(): LifecycleError {
  return new LifecycleError('stop() was called before the node finished joining; start() gave up.');
}

function timeoutError(options: ResolvedOptions, lastError: ElectionError | undefined): StartTimeoutError {
  const last = lastError ? ` Last error: ${lastError.message}` : '';
  return new StartTimeoutError(
    `could not join ${options.backendLabel} within startTimeoutMs (${options.startTimeoutMs} ms). Check that it is reachable, or raise startTimeoutMs.${last}`,
    { cause: lastError },
  );
}
