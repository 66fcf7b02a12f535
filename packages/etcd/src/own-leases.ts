/**
 * The leases this backend instance granted and has not seen end. Core abandons a session whose
 * deadline passed (etcd unreachable) without a word to etcd, then joins again; when etcd comes
 * back, the old member key may still be alive on the abandoned lease. Remembering which leases are
 * ours and abandoned lets the next join revoke them instead of reporting a duplicate of itself.
 */
export class OwnLeases {
  readonly #leases = new Map<string, 'active' | 'abandoned'>();

  /** Abandoned leases beyond this many are forgotten, oldest first (they expired long ago). */
  static readonly #LIMIT = 1000;

  granted(leaseId: string): void {
    this.#leases.set(leaseId, 'active');
  }

  abandoned(leaseId: string): void {
    if (!this.#leases.has(leaseId)) return;
    // Re-inserting moves it to the end, so the oldest abandoned lease is dropped first.
    this.#leases.delete(leaseId);
    this.#leases.set(leaseId, 'abandoned');
    for (const [id] of this.#leases) {
      if (this.#leases.size <= OwnLeases.#LIMIT) break;
      if (this.#leases.get(id) === 'abandoned') this.#leases.delete(id);
    }
  }

  gone(leaseId: string): void {
    this.#leases.delete(leaseId);
  }

  /** Granted by this backend and still in use by one of its sessions or joins. */
  isActive(leaseId: string): boolean {
    return this.#leases.get(leaseId) === 'active';
  }

  isAbandoned(leaseId: string): boolean {
    return this.#leases.get(leaseId) === 'abandoned';
  }

  listAbandoned(): string[] {
    return [...this.#leases].filter(([, state]) => state === 'abandoned').map(([id]) => id);
  }
}
