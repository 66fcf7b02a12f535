/**
 * The registrations (etcd leases, Consul sessions, rows) this backend instance made and has not
 * seen end. Core abandons a session whose deadline passed (the backend unreachable) without a
 * word to the backend, then joins again; when the backend comes back, the old registration may
 * still hold the id. Knowing which registrations are this backend's own, and which of them it
 * abandoned, lets the next join revoke an abandoned one at once (`joinRounds`' `abandoned`) and
 * report a live one of its own as a duplicate instead of waiting it out.
 */
export interface OwnRegistrationsOptions {
  /** Abandoned registrations beyond this many are forgotten, oldest first (they expired long ago). */
  readonly limit: number;
  /**
   * Whether `abandoned` marks a registration this backend never reported `granted` (a backend that
   * only tracks the ones it walked away from, such as Consul's). Default false: it is ignored.
   */
  readonly abandonUnknown?: boolean;
}

export class OwnRegistrations {
  readonly #states = new Map<string, 'active' | 'abandoned'>();
  readonly #options: OwnRegistrationsOptions;

  constructor(options: OwnRegistrationsOptions) {
    this.#options = options;
  }

  granted(id: string): void {
    this.#states.set(id, 'active');
  }

  /** This backend walked away from `id`: it may still hold the member's key or row. */
  abandoned(id: string): void {
    if (!this.#states.has(id) && !this.#options.abandonUnknown) return;
    // Re-inserting moves it to the end, so the oldest abandoned one is dropped first.
    this.#states.delete(id);
    this.#states.set(id, 'abandoned');
    for (const [old, state] of this.#states) {
      if (this.#states.size <= this.#options.limit) break;
      if (state === 'abandoned') this.#states.delete(old);
    }
  }

  /** The backend confirmed that `id` ended (revoked, expired). */
  gone(id: string): void {
    this.#states.delete(id);
  }

  /** Made by this backend and still in use by one of its sessions or joins. */
  isActive(id: string): boolean {
    return this.#states.get(id) === 'active';
  }

  isAbandoned(id: string): boolean {
    return this.#states.get(id) === 'abandoned';
  }

  listAbandoned(): string[] {
    return [...this.#states].filter(([, state]) => state === 'abandoned').map(([id]) => id);
  }

  /**
   * Revokes `id` with the backend's `revoke`; an answer that says it was already gone counts as
   * success. Either way it is then forgotten; any other failure is thrown and it stays as it was.
   */
  async revoke(id: string, revoke: () => Promise<unknown>, alreadyGone: (error: unknown) => boolean) {
    try {
      await revoke();
    } catch (error) {
      if (!alreadyGone(error)) throw error;
    }
    this.gone(id);
  }

  /**
   * Revokes each of `ids` in the background (`revoke`, already gone included, as above): nothing
   * waits for it. A failure goes to `onError` (a debug line), and the registration stays
   * abandoned, so a later join tries again.
   */
  revokeInBackground(
    ids: readonly string[],
    revoke: (id: string) => Promise<unknown>,
    onError: (error: unknown, id: string) => void,
  ): void {
    // Through a promise, so a revoke that throws at once (a closed backend) reaches onError too.
    for (const id of ids)
      Promise.resolve(id)
        .then(revoke)
        .catch((error: unknown) => onError(error, id));
  }
}
