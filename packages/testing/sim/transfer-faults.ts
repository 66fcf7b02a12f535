/**
 * What the simulator did to direct transfers (issue 21 names three scenarios), counted per run so
 * `run.ts` can say how often each occurred, and the armed faults that make them happen on purpose:
 * - a lost answer: a transfer call that rejected (request lost, answer lost, timed out), and of
 *   those the ones whose write had committed on the server all the same;
 * - a successor crashing mid-transfer: the member a transfer names crashed (or its lease ended)
 *   while the call was in flight, or after it committed and before that member led;
 * - a transfer racing a new join: a member registered on the server while a transfer was in flight.
 */
export class TransferFaults {
  lostAnswers = 0;
  committedAnswersLost = 0;
  successorCrashes = 0;
  joinsDuringTransfer = 0;
  /** Armed by a fault command: the successor of the next transfer sent crashes at once. */
  crashNextSuccessor = false;
  /** Armed by a fault command: a stopped member starts when the next transfer is sent. */
  joinOnNextTransfer = false;
  readonly #inFlight = new Map<number, string>();
  #next = 0;

  /** A transfer to `to` is sent; returns its handle for `settled`. */
  sent(to: string): number {
    const op = ++this.#next;
    this.#inFlight.set(op, to);
    return op;
  }

  settled(op: number, outcome: { readonly rejected: boolean; readonly committed: boolean }): void {
    this.#inFlight.delete(op);
    if (!outcome.rejected) return;
    this.lostAnswers++;
    if (outcome.committed) this.committedAnswersLost++;
  }

  /** `id` crashed or lost its lease; `handedNotLed`: the server's holding is handed to it and it has not led on it yet. */
  crashed(id: string, handedNotLed: boolean): void {
    if (handedNotLed || [...this.#inFlight.values()].includes(id)) this.successorCrashes++;
  }

  joined(): void {
    if (this.#inFlight.size > 0) this.joinsDuringTransfer++;
  }
}
