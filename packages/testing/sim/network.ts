import { BackendUnavailableError, type Clock } from '@election/core';
import type { Scheduler } from 'fast-check';
import type { SimClock } from './sim-clock.js';

/** How long a simulated client waits for an answer before its call fails (like etcd3's per-call deadline). */
export const REQUEST_TIMEOUT_MS = 1000;

/**
 * One simulated process's link to the backend. Everything that reaches the process (answers, watch
 * events, its own timers) passes through `deliver`, so a paused process receives nothing until it
 * resumes, and then in the order things arrived, as a SIGSTOPped process would.
 */
/** Shared by every link: while the server is down, no link reaches it. */
export interface ServerStatus {
  down: boolean;
}

export class SimLink {
  readonly id: string;
  /** Cut off from the server, this link alone. */
  cut = false;
  readonly #server: ServerStatus;
  paused = false;
  /** The next this many requests are lost on the way to the server. */
  dropRequests = 0;
  /** The next this many requests reach the server, but their answers are lost. */
  loseReplies = 0;
  /** The same two faults for lock calls only (tryAcquire, release, transfer), which other traffic would dilute. */
  dropLockRequests = 0;
  loseLockReplies = 0;
  /** The next this many lock requests are held back out of order, until `releaseHeldOut`. */
  holdLockRequests = 0;
  /**
   * The next this many requests of any kind (a join, a keepalive) are held back the same way: they
   * commit when they land, long after the client gave up on them.
   */
  holdRequests = 0;
  /**
   * A lasting latency: every message each way (requests, answers, watch events) spends this long on
   * the wire. Unlike the other faults it stays when the faults end (calm), through the liveness phase.
   */
  latencyMs = 0;
  readonly #heldOut: (() => void)[] = [];
  /** A slow link: traffic both ways waits (in order) until `unslow`, however long that takes on the clock. */
  slow = false;
  readonly #slowed: (() => void)[] = [];
  readonly #held: (() => void)[] = [];
  readonly clock: Clock;
  readonly #world: SimClock;
  /** Timers the process on this link set and that neither fired nor were cancelled. */
  readonly #pending = new Set<() => void>();

  constructor(id: string, world: SimClock, server: ServerStatus = { down: false }) {
    this.id = id;
    this.#server = server;
    this.#world = world;
    this.clock = {
      now: () => world.now(),
      // A timer that came due while the process was paused runs when it resumes, unless it was
      // cancelled meanwhile (as a real event loop never runs a cleared timer).
      setTimer: (fn, ms) => {
        let cancelled = false;
        const tracked = () => {
          cancelled = true;
          this.#pending.delete(tracked);
          cancel();
        };
        const cancel = world.setTimer(
          () =>
            this.deliver(() => {
              if (cancelled) return;
              this.#pending.delete(tracked);
              fn();
            }),
          ms,
        );
        this.#pending.add(tracked);
        return tracked;
      },
    };
  }

  /** How many timers the process set on this link are still pending (0 once a stopped elector let go). */
  pendingTimers(): number {
    return this.#pending.size;
  }

  /** Nothing gets through: this link is cut, or the server is down. */
  get partitioned(): boolean {
    return this.cut || this.#server.down;
  }

  deliver(fn: () => void): void {
    if (this.paused) this.#held.push(fn);
    else fn();
  }

  resume(): void {
    this.paused = false;
    for (const fn of this.#held.splice(0)) fn();
  }

  /** Puts traffic on the wire now, or holds it while the link is slow. */
  transmit(fn: () => void): void {
    if (this.slow) this.#slowed.push(fn);
    else if (this.latencyMs > 0) this.#world.setTimer(fn, this.latencyMs);
    else fn();
  }

  holdOut(fn: () => void): void {
    this.#heldOut.push(fn);
  }

  /** Lets go the requests held back out of order: they land after everything sent since. */
  releaseHeldOut(): void {
    for (const fn of this.#heldOut.splice(0)) fn();
  }

  unslow(): void {
    this.slow = false;
    for (const fn of this.#slowed.splice(0)) fn();
  }
}

/**
 * The wire between simulated processes and the server. Requests and answers are tasks of the
 * fast-check scheduler, which picks their order (and so how late each arrives); faults on a link
 * drop a request, or commit it and lose the answer. A call that gets no answer fails after
 * REQUEST_TIMEOUT_MS on the clock with "may have committed" semantics, as a real client's does.
 */
export class SimNetwork {
  readonly #scheduler: Scheduler;
  readonly #clock: SimClock;
  readonly #trace: (line: string) => void;

  constructor(scheduler: Scheduler, clock: SimClock, trace: (line: string) => void) {
    this.#scheduler = scheduler;
    this.#clock = clock;
    this.#trace = trace;
  }

  call<T>(link: SimLink, label: string, apply: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        cancelTimeout();
        link.deliver(fn);
      };
      const cancelTimeout = this.#clock.setTimer(() => {
        finish(() =>
          reject(
            new BackendUnavailableError(`${label}: no answer within ${REQUEST_TIMEOUT_MS} ms (simulated)`),
          ),
        );
      }, REQUEST_TIMEOUT_MS);
      const lockCall = ['tryAcquire', 'release', 'transfer'].some((call) => label.startsWith(call));
      const dropLock = lockCall && link.dropLockRequests > 0;
      if (link.partitioned || link.dropRequests > 0 || dropLock) {
        if (dropLock) link.dropLockRequests--;
        else if (!link.partitioned) link.dropRequests--;
        this.#trace(`${link.id}: ${label} request lost`);
        return;
      }
      const loseLock = lockCall && link.loseLockReplies > 0;
      const loseReply = loseLock || link.loseReplies > 0;
      if (loseLock) link.loseLockReplies--;
      else if (loseReply) link.loseReplies--;
      const request = () => this.#scheduler.schedule(Promise.resolve(), `${link.id} → ${label}`);
      const holdLock = lockCall && link.holdLockRequests > 0;
      const holdOut = holdLock || link.holdRequests > 0;
      if (holdOut) {
        if (holdLock) link.holdLockRequests--;
        else link.holdRequests--;
        this.#trace(`${link.id}: ${label} request held back`);
      }
      const send = (fn: () => void) => (holdOut ? link.holdOut(fn) : link.transmit(fn));
      send(() =>
        request().then(() => {
          if (link.partitioned) return; // cut off while in flight
          let outcome: { ok: true; value: T } | { ok: false; error: unknown };
          try {
            outcome = { ok: true, value: apply() };
          } catch (error) {
            outcome = { ok: false, error };
          }
          if (loseReply) {
            this.#trace(`${link.id}: ${label} committed, answer lost`);
            return;
          }
          link.transmit(() =>
            this.#scheduler.schedule(Promise.resolve(), `${link.id} ← ${label}`).then(() => {
              if (link.partitioned) return;
              finish(() => (outcome.ok ? resolve(outcome.value) : reject(outcome.error)));
            }),
          );
        }),
      );
    });
  }

  /** A one-way message from the server to a process (a watch event, a lease-lost notice), in order per stream. */
  stream<E>(link: SimLink, label: string, deliver: (event: E) => void): SimStream<E> {
    return new SimStream(this.#scheduler, this.#clock, link, label, deliver);
  }
}

/** One event of a stream on its way: delivered once it and every event before it have arrived. */
interface Slot<E> {
  readonly event: E;
  arrived: boolean;
  /** It landed while the process was cut off: it never reaches the process. */
  lost?: boolean;
}

/**
 * One watch stream: events are delivered in the order sent, each as its own scheduler task (so
 * other streams and answers may overtake it). Each event crosses the link on its own from the
 * moment it is sent, and is delivered once it and every event before it have arrived (head of
 * line, as on etcd's gRPC stream): a burst arrives one link latency after it was sent, not one
 * latency per event, and no event arrives before its own crossing. Events sent while the process is
 * cut off are lost; `resync` replaces whatever is under way by the current state, as a
 * reconnecting watch does; `lag` holds what arrives back for a while, in order, as a watcher that
 * falls behind (a busy server or a slow consumer): what arrived before a cut is still delivered, and
 * the lag stays across a reconnect.
 */
export class SimStream<E> {
  readonly #scheduler: Scheduler;
  readonly #clock: SimClock;
  readonly #link: SimLink;
  readonly #label: string;
  readonly #deliver: (event: E) => void;
  /** Events sent and not yet delivered, in order. */
  readonly #queue: Slot<E>[] = [];
  /** The last events delivered, oldest first: what a watch restarted from an older revision sends again. */
  readonly #history: E[] = [];
  /** Bumped by `resync`: the crossings of the stream it replaced deliver nothing. */
  #generation = 0;
  /** Arrivals held back by `lag`, when the lag ends, and the timer that lets them go. */
  readonly #lagged: Slot<E>[] = [];
  #lagUntil = Number.NEGATIVE_INFINITY;
  #endLag: (() => void) | undefined;
  #closed = false;

  constructor(
    scheduler: Scheduler,
    clock: SimClock,
    link: SimLink,
    label: string,
    deliver: (event: E) => void,
  ) {
    this.#scheduler = scheduler;
    this.#clock = clock;
    this.#link = link;
    this.#label = label;
    this.#deliver = deliver;
  }

  push(event: E): void {
    if (this.#closed || this.#link.partitioned) return;
    const slot = { event, arrived: false };
    this.#queue.push(slot);
    this.#send(slot);
  }

  resync(current: E): void {
    this.#queue.length = 0;
    this.#lagged.length = 0;
    this.#generation++;
    this.push(current);
  }

  /**
   * The watch restarts from an older revision: the last `count` events delivered come again, in
   * order, before anything still under way, so the stream ends at the current state as etcd's does.
   */
  rewind(count: number): void {
    if (this.#closed || this.#link.partitioned) return;
    const again = this.#history.slice(-count).map((event) => ({ event, arrived: false }));
    this.#queue.unshift(...again);
    for (const slot of again) this.#send(slot);
  }

  /**
   * For the next `ms`, events that arrive are held back (in order); a lag already longer stays as
   * it is, a shorter one is extended. 0 ends the lag now: the held events go.
   */
  lag(ms: number): void {
    const until = this.#clock.now() + ms;
    if (ms > 0 && until <= this.#lagUntil) return;
    this.#endLag?.();
    if (ms <= 0) return;
    this.#lagUntil = until;
    const cancel = this.#clock.setTimer(() => this.#endLag?.(), ms);
    this.#endLag = () => {
      cancel();
      this.#endLag = undefined;
      this.#lagUntil = Number.NEGATIVE_INFINITY;
      for (const slot of this.#lagged.splice(0)) this.#arrive(slot);
    };
  }

  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#lagged.length = 0;
    this.#endLag?.();
  }

  #send(slot: Slot<E>): void {
    const generation = this.#generation;
    this.#link.transmit(() =>
      this.#scheduler.schedule(Promise.resolve(), `${this.#link.id} ⇐ ${this.#label}`).then(() => {
        if (generation !== this.#generation) return;
        // Cut off when it lands: lost, whenever the lag lets it go.
        if (this.#link.partitioned) slot.lost = true;
        if (this.#endLag !== undefined) this.#lagged.push(slot);
        else this.#arrive(slot);
      }),
    );
  }

  #arrive(slot: Slot<E>): void {
    slot.arrived = true;
    while (this.#queue[0]?.arrived) {
      const { event, lost } = this.#queue.shift() as Slot<E>;
      if (this.#closed || lost) continue;
      this.#history.push(event);
      if (this.#history.length > 8) this.#history.shift();
      this.#link.deliver(() => {
        if (!this.#closed) this.#deliver(event);
      });
    }
  }
}
