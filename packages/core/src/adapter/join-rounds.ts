import type { Logger } from '../logger.js';

/**
 * What a join does when its id is taken. The contract (`MembershipBackend.join`): a registration
 * found holding the id is revoked at once when this backend abandoned it (a session it walked away
 * from) or when the request asks for `takeover`; one this very process still renews, or one that
 * never expires, makes a DuplicateMemberError at once; any other is waited out (a crashed process
 * restarted under its own id), and only a holder seen renewed meanwhile is a duplicate.
 */
export interface JoinRounds<R, H, O = undefined> {
  readonly signal: AbortSignal;
  readonly takeover: boolean;
  /** Rounds (one registration attempt each) before `tooManyRounds`. Default unbounded. */
  readonly maxRounds?: number;
  /** The error past `maxRounds`: the id kept changing hands under concurrent writes. */
  readonly tooManyRounds?: () => Error;
  /**
   * This join's own registration without the id yet (an etcd lease, a Consul session), when the
   * backend needs one first: made before a round that has none, given up (`discard`) before a
   * wait (it would not be renewed meanwhile) and when the join fails; kept when it succeeds.
   */
  readonly own?: { create(): Promise<O>; discard(own: O): void | Promise<void> };
  /**
   * One attempt to register the id (on `own`, when there is one): the registration, or the one
   * that holds the id (undefined when it was gone by the time it was read: the next round tries
   * again).
   */
  register(own: O): Promise<{ readonly registered: R } | { readonly holder: H | undefined }>;
  /** The error that ends the join now, when `holder` is a live duplicate by itself; else undefined. */
  duplicate?(holder: H): Error | undefined;
  /** Whether this backend walked away from `holder` (so it may revoke it). Default never. */
  abandoned?(holder: H): boolean;
  /** Revokes `holder` at once (`why`: abandoned, or the request's takeover). */
  revoke(holder: H, why: 'abandoned' | 'takeover'): Promise<void>;
  /**
   * One info line before each revocation, with `fields(holder)` (the lease, the session): "takeover:
   * revoking the previous registration of <id> to join at once<takeoverNote>", or "revoking the
   * registration of <id> that this node abandoned earlier". Absent: the rounds log nothing.
   */
  readonly log?: {
    readonly logger: Logger;
    readonly id: string;
    fields(holder: H): Readonly<Record<string, unknown>>;
    /** What else a takeover means on this backend, appended to its line: " (…)". */
    readonly takeoverNote?: string;
  };
  /**
   * Waits until `holder` is gone; throws DuplicateMemberError once it is seen renewed. Runs after
   * `own` was discarded and `beforeWait`.
   */
  waitOut(holder: H): Promise<void>;
  beforeWait?(): void | Promise<void>;
}

/** Runs the rounds of a join: register, else clear the holder (revoke or wait it out), and again. */
export async function joinRounds<R, H, O = undefined>(rounds: JoinRounds<R, H, O>): Promise<R> {
  const maxRounds = rounds.maxRounds ?? Number.POSITIVE_INFINITY;
  let own: { readonly value: O } | undefined;
  const giveUpOwn = async () => {
    const given = own;
    own = undefined;
    if (given !== undefined) await rounds.own?.discard(given.value);
  };
  try {
    for (let round = 1; ; round++) {
      if (round > maxRounds)
        throw rounds.tooManyRounds?.() ?? new Error(`no registration after ${maxRounds} rounds`);
      rounds.signal.throwIfAborted();
      if (rounds.own !== undefined && own === undefined) own = { value: await rounds.own.create() };
      const attempt = await rounds.register(own?.value as O);
      if ('registered' in attempt) return attempt.registered;
      const holder = attempt.holder;
      if (holder === undefined) continue;
      const duplicate = rounds.duplicate?.(holder);
      if (duplicate !== undefined) throw duplicate;
      const abandoned = rounds.abandoned?.(holder) ?? false;
      if (abandoned || rounds.takeover) {
        const log = rounds.log;
        log?.logger.info(
          log.fields(holder),
          abandoned
            ? `revoking the registration of ${log.id} that this node abandoned earlier`
            : `takeover: revoking the previous registration of ${log.id} to join at once${log.takeoverNote ?? ''}`,
        );
        await rounds.revoke(holder, abandoned ? 'abandoned' : 'takeover');
        continue;
      }
      await giveUpOwn();
      await rounds.beforeWait?.();
      await rounds.waitOut(holder);
    }
  } catch (error) {
    await giveUpOwn();
    throw error;
  }
}
