import type { Clock, Logger } from '@election/core/adapter';
import { httpProbe, probeUrl } from './http-probe.js';
import { LivenessTracker } from './liveness.js';
import type { ResolvedProbe, StaticMemberConfig } from './options.js';

export interface ProberOptions {
  readonly targets: readonly StaticMemberConfig[];
  readonly probe: ResolvedProbe;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called when a member's state is first known and whenever it flips. */
  readonly onChange: (member: StaticMemberConfig, alive: boolean) => void;
}

export interface Prober {
  /** Resolves once every target has its first result (each probe is bounded by `timeoutMs`). */
  readonly ready: Promise<void>;
  /** Which targets are alive now (unknown counts as not alive). */
  isAlive(id: string): boolean;
  /** Stops every loop and aborts probes in flight. Idempotent. */
  stop(): void;
}

/**
 * One probe of `member`, true when it answered healthy within `timeoutMs`. Never rejects: a throwing
 * or hanging probe is a failed probe. `stop` aborts it early (also a failure).
 */
export async function probeOnce(
  member: StaticMemberConfig,
  probe: ResolvedProbe,
  clock: Clock,
  logger: Logger,
  stop?: AbortSignal,
): Promise<boolean> {
  const attempt = new AbortController();
  const abort = () =>
    attempt.abort(new Error(`probe of "${member.id}" timed out after ${probe.timeoutMs} ms`));
  const cancelTimer = clock.setTimer(abort, probe.timeoutMs);
  stop?.addEventListener('abort', abort, { once: true });
  // Race the abort too: a custom probe may ignore its signal, and the timeout must hold anyway.
  const aborted = new Promise<boolean>((resolve) => {
    attempt.signal.addEventListener('abort', () => resolve(false), { once: true });
  });
  try {
    if (stop?.aborted) return false;
    const check =
      probe.check !== undefined
        ? probe.check(member, attempt.signal)
        : httpProbe(probeUrl(member.url ?? '', probe.path), attempt.signal);
    const result = await Promise.race([check, aborted]);
    return result === true;
  } catch (error) {
    logger.debug({ member: member.id, err: error }, 'static probe threw; counted as a failure');
    return false;
  } finally {
    cancelTimer();
    stop?.removeEventListener('abort', abort);
  }
}

/**
 * Probes every target in its own loop: one probe, then `intervalMs` of rest, then the next. A slow
 * member therefore never delays the others, and probes of one member never overlap.
 */
export function startProber(options: ProberOptions): Prober {
  return new ProbeLoops(options);
}

class ProbeLoops implements Prober {
  readonly ready: Promise<void>;
  readonly #options: ProberOptions;
  readonly #stopper = new AbortController();
  readonly #alive = new Map<string, boolean>();

  constructor(options: ProberOptions) {
    this.#options = options;
    const firstResults = options.targets.map((member) => this.#runLoop(member));
    // Stopping also settles `ready`, so a join that is closed half-way never hangs.
    this.ready = Promise.race([
      Promise.all(firstResults).then(() => undefined),
      new Promise<void>((resolve) =>
        this.#stopper.signal.addEventListener('abort', () => resolve(), { once: true }),
      ),
    ]);
  }

  isAlive(id: string): boolean {
    return this.#alive.get(id) === true;
  }

  stop(): void {
    if (!this.#stopper.signal.aborted) this.#stopper.abort();
  }

  #runLoop(member: StaticMemberConfig): Promise<void> {
    const { probe, clock, logger } = this.#options;
    const signal = this.#stopper.signal;
    const tracker = new LivenessTracker(probe.failureThreshold, probe.successThreshold);
    let markFirst: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      markFirst = resolve;
    });
    const step = async (): Promise<void> => {
      const success = await probeOnce(member, probe, clock, logger, signal);
      if (signal.aborted) return;
      if (tracker.record(success)) {
        const now = tracker.alive === true;
        this.#alive.set(member.id, now);
        logger.debug({ member: member.id, alive: now }, 'static member liveness changed');
        this.#options.onChange(member, now);
      }
      markFirst();
      const cancel = clock.setTimer(() => {
        signal.removeEventListener('abort', cancel);
        void step();
      }, probe.intervalMs);
      signal.addEventListener('abort', cancel, { once: true });
    };
    void step();
    return first;
  }
}
