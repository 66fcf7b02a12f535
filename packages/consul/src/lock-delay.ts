import type { Clock, LockHolder } from '@election/core/adapter';
import type { LeaderHolding } from './election-snapshot.js';

/** Retry step when an estimate of a lock-delay's end proved early (clocks, an unknown delay). */
export const LOCK_DELAY_RECHECK_MS = 500;

/**
 * Consul's largest lock-delay: a session may be created with more, but the delay armed when it is
 * invalidated is capped at structs.MaxLockDelay, 60 s (agent/consul/state/session.go,
 * deleteSessionTxn).
 */
export const MAX_LOCK_DELAY_SECONDS = 60;

/** The lock-delay Consul actually enforces for a session created with `lockDelayMs`. */
export function enforcedLockDelayMs(lockDelayMs: number): number {
  return Math.min(lockDelayMs, MAX_LOCK_DELAY_SECONDS * 1000);
}

export interface LockDelayTrackerOptions {
  readonly clock: Clock;
  readonly selfId: string;
  /** Assumed for a holding whose value does not say its lock-delay (written by an older version). */
  readonly defaultLockDelayMs: number;
  /**
   * Delivers the holder core should see, with the index of the snapshot it comes from and the
   * session it is locked by (the feed reports `handed` only for a holding of this node's session).
   */
  readonly emit: (holder: LockHolder, index: bigint | undefined, session?: string) => void;
}

/**
 * The leader key under Consul's lock-delay, as the holder watch reports it.
 *
 * When a session holding the leader key is invalidated (TTL, node failure, destroy), Consul deletes
 * the key and refuses `?acquire` of it for the session's lock-delay (agent/consul/state/session.go,
 * deleteSessionTxn; agent/consul/kvs_endpoint.go, kvsPreApply answers false). The end of that
 * delay writes nothing, so no blocking query wakes: a follower told "no" would wait for core's
 * resync. So once an acquire is refused while the key is free (`refused()`), the watch keeps
 * reporting the holding that ended, as core's "lock held by", until the delay's end as this node
 * can bound it: the time the watch first showed the key free plus the holding's lock-delay (the
 * leader writes it in the key's value; the server armed the delay before that, so the bound is not
 * early). Then it reports the key free again, which makes core ask at once.
 *
 * Reporting the ended holding meanwhile is what the delay means: the old leader may still lead
 * until its local deadline, and no one else can take the lock before then.
 */
export class LockDelayTracker {
  readonly #options: LockDelayTrackerOptions;
  /** The holding the watch showed last, while it showed one of another node. */
  #last: LeaderHolding | undefined;
  /** The holder the watch shows now. */
  #current: LeaderHolding | null = null;
  /** Clock time the watch first showed the key free after `#last`. */
  #freeSince: number | undefined;
  #delay: { readonly holder: LockHolder; readonly cancel: () => void } | undefined;
  /** Set by stop(): a refusal answered after the session ended arms nothing. */
  #stopped = false;
  /** X-Consul-Index of the snapshot `#current` comes from (a delayed holding is reported at it too). */
  #index: bigint | undefined;

  constructor(options: LockDelayTrackerOptions) {
    this.#options = options;
  }

  /** One snapshot's holder, from the watch, with the snapshot's X-Consul-Index when known. */
  observe(holder: LeaderHolding | null, index?: bigint): void {
    this.#current = holder;
    this.#index = index;
    if (holder === null) this.#freeSince ??= this.#options.clock.now();
    else {
      this.#last = holder;
      this.#freeSince = undefined;
      this.#clearDelay();
    }
    this.#emit();
  }

  /** Consul refused to acquire the leader key while no session held it: a lock-delay runs. */
  refused(): void {
    const last = this.#last;
    if (this.#stopped || this.#current !== null || last === undefined) return;
    if (last.id === this.#options.selfId) return;
    const { clock } = this.#options;
    const now = clock.now();
    // The value is written by a peer (or by hand): never believe more than Consul enforces.
    const delayMs = enforcedLockDelayMs(last.lockDelayMs ?? this.#options.defaultLockDelayMs);
    const end = (this.#freeSince ?? now) + delayMs;
    const waitMs = end > now ? end - now : LOCK_DELAY_RECHECK_MS;
    this.#clearDelay();
    const cancel = clock.setTimer(() => {
      this.#delay = undefined;
      this.#emit();
    }, waitMs);
    this.#delay = { holder: { id: last.id, token: last.token }, cancel };
    this.#emit();
  }

  stop(): void {
    this.#stopped = true;
    this.#clearDelay();
  }

  #clearDelay(): void {
    this.#delay?.cancel();
    this.#delay = undefined;
  }

  #emit(): void {
    const current = this.#current;
    this.#options.emit(
      current
        ? { id: current.id, token: current.token, ...(current.handed === true ? { handed: true } : {}) }
        : (this.#delay?.holder ?? null),
      this.#index,
      current?.session,
    );
  }
}
