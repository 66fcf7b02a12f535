/**
 * What a join does when its id is taken. The contract (`MembershipBackend.join`): a registration
 * found holding the id is revoked at once when this backend abandoned it (a session it walked away
 * from) or when the request asks for `takeover`; one this very process still renews, or one that
 * never expires, makes a DuplicateMemberError at once; any other is waited out (a crashed process
 * restarted under its own id), and only a holder seen renewed meanwhile is a duplicate.
 */
export interface JoinRounds<R, H> {
  readonly signal: AbortSignal;
  readonly takeover: boolean;
  /** Rounds (one registration attempt each) before `tooManyRounds`. Default unbounded. */
  readonly maxRounds?: number;
  /** The error past `maxRounds`: the id kept changing hands under concurrent writes. */
  readonly tooManyRounds?: () => Error;
  /**
   * One attempt to register the id: the registration, or the one that holds the id (undefined
   * when it was gone by the time it was read: the next round tries again).
   */
  register(): Promise<{ readonly registered: R } | { readonly holder: H | undefined }>;
  /** The error that ends the join now, when `holder` is a live duplicate by itself; else undefined. */
  duplicate?(holder: H): Error | undefined;
  /** Whether this backend walked away from `holder` (so it may revoke it). Default never. */
  abandoned?(holder: H): boolean;
  /** Revokes `holder` at once (`why`: abandoned, or the request's takeover). */
  revoke(holder: H, why: 'abandoned' | 'takeover'): Promise<void>;
  /**
   * Waits until `holder` is gone; throws DuplicateMemberError once it is seen renewed. Runs after
   * `beforeWait` (give up this join's own registration: it would not be renewed during the wait).
   */
  waitOut(holder: H): Promise<void>;
  beforeWait?(): void | Promise<void>;
}

/** Runs the rounds of a join: register, else clear the holder (revoke or wait it out), and again. */
export async function joinRounds<R, H>(rounds: JoinRounds<R, H>): Promise<R> {
  const maxRounds = rounds.maxRounds ?? Number.POSITIVE_INFINITY;
  for (let round = 1; ; round++) {
    if (round > maxRounds)
      throw rounds.tooManyRounds?.() ?? new Error(`no registration after ${maxRounds} rounds`);
    rounds.signal.throwIfAborted();
    const attempt = await rounds.register();
    if ('registered' in attempt) return attempt.registered;
    const holder = attempt.holder;
    if (holder === undefined) continue;
    const duplicate = rounds.duplicate?.(holder);
    if (duplicate !== undefined) throw duplicate;
    const abandoned = rounds.abandoned?.(holder) ?? false;
    if (abandoned || rounds.takeover) {
      await rounds.revoke(holder, abandoned ? 'abandoned' : 'takeover');
      continue;
    }
    await rounds.beforeWait?.();
    await rounds.waitOut(holder);
  }
}
