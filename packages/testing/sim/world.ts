import {
  createElector,
  type ElectionMode,
  type ElectionState,
  type Elector,
  type ElectorEvent,
  type LockHolder,
  runWhileLeader,
} from '@election/core';
import { mulberry32 } from '@election/tools';
import type { Scheduler } from 'fast-check';
import { MemoryServer } from '../src/memory/server.js';
import { type ServerStatus, SimLink, SimNetwork } from './network.js';
import { createSimBackend, type SimSession } from './sim-backend.js';
import { SimClock, settle } from './sim-clock.js';
import { TransferFaults } from './transfer-faults.js';

/** Every stop() settles within this much clock time once the run ends (leave and release are bounded). */
const STOP_SETTLE_BOUND_MS = 30_000;
export const TTL_MS = 3000;
export const MARGIN_MS = 300;
export const RESYNC_MS = 5000;
export const BACKOFF_CAP_MS = 1000;
/**
 * Each seed draws its lockTimeoutMs from this range: from far below the slowest round trip the
 * lasting latency makes (defect 1 of issue 19: answers later than the timeout, for ever) to above
 * the simulated network's own request timeout.
 */
export const LOCK_TIMEOUT_RANGE_MS = [100, 2000] as const;
/** Each seed picks one handoverDelayMs (0 = hand over at once). */
export const HANDOVER_DELAYS_MS = [0, 0, 300, 1500] as const;
/** Largest lasting one-way latency a link gets: a round trip stays under the request timeout. */
export const MAX_LATENCY_MS = 400;

/**
 * Deliberate bugs, each switched on only to show that the checker catches it:
 * - `keep-orphans` (core lock claim): a holding taken by a call whose answer was lost is never released;
 * - `no-margin` (core): leadership runs to the registration's deadline, with no room for clock drift;
 * - `renew-from-receive` (backend renewal loop): the deadline counts from a renewal's answer, not its sending;
 * - `release-any` (backend lock): a release deletes the session's holding whatever its token;
 * - `no-revision` (backend watch): holder events reach the elector without their revision (the
 *   checker still knows it), so a holding deleted before the watch showed it looks stale to core.
 */
export type SimBug =
  | 'none'
  | 'keep-orphans'
  | 'no-margin'
  | 'renew-from-receive'
  | 'release-any'
  | 'no-revision';
export const SIM_BUGS: readonly SimBug[] = [
  'none',
  'keep-orphans',
  'no-margin',
  'renew-from-receive',
  'release-any',
  'no-revision',
];

export interface NodeSpec {
  readonly priority: number;
  readonly observer: boolean;
}

/** What a seed draws once for the whole run (besides the members): the elector options under test. */
export interface RunConfig {
  readonly mode: ElectionMode;
  readonly lockTimeoutMs: number;
  readonly handoverDelayMs: number;
}

/** A listener that calls stop() when its node's next event of this kind arrives. */
export type StopTrigger = 'joining' | 'follower' | 'elected' | 'demoted';

export class Violation extends Error {
  override name = 'Violation';
}

interface Task {
  readonly term: bigint | null;
  readonly signal: AbortSignal;
  ended: boolean;
}

export class SimNode {
  readonly id: string;
  /** Replaced by setPriority (a restart registers the new rank too, as a changed config would). */
  spec: NodeSpec;
  readonly link: SimLink;
  readonly sessions: SimSession[] = [];
  elector: Elector | undefined;
  /** The state after the latest event: reading `isLeader` on it is pure (checked against the clock). */
  latest: ElectionState | undefined;
  lastLeadershipEvent: 'elected' | 'demoted' | undefined;
  /** The phase as events told it, never refreshed by reading `state`: shows whether timers work. */
  eventPhase: ElectionState['phase'] | undefined;
  task: Task | undefined;
  /** The elector's stop() was called (by a command, a listener or the end of the run). */
  stopCalled = false;
  /** That stop() has settled (and its checks ran). */
  stopSettled = false;
  /** Its events showed phase stopping (or stopped). */
  stopSeen = false;
  /** A listener stops the elector on this event (then forgets it). */
  stopOn: { readonly on: StopTrigger; readonly resign: boolean } | undefined;
  /**
   * Tokens at or below this are dead to this node: its holder watch delivered their deletion or a
   * newer holder. The node must never lead on one of them again (issue 19's invariant).
   */
  watchFloor = -1n;
  /** setPriority calls not settled yet (the switchover check starts once there are none). */
  readonly priorityChanges = new Set<Promise<unknown>>();

  constructor(id: string, spec: NodeSpec, clock: SimClock, server: ServerStatus) {
    this.id = id;
    this.spec = spec;
    this.link = new SimLink(id, clock, server);
  }

  /**
   * What the node answers if asked now. A running process is asked (`elector.state`, which also
   * picks up renewals acknowledged since its last event); a paused one cannot be, so its last
   * state stands, checked against the clock.
   */
  leads(): boolean {
    if (this.elector && !this.link.paused) this.latest = this.elector.state;
    return this.latest?.isLeader === true;
  }
}

/**
 * N electors in confirmed mode on one in-memory server, over a network whose every delivery the
 * fast-check scheduler orders, on one clock that moves only when told. `check()` is the invariant
 * checker; it runs after every scheduler step, every timer and every command.
 */
export class SimWorld {
  readonly clock = new SimClock();
  readonly server: MemoryServer;
  readonly network: SimNetwork;
  readonly nodes: SimNode[] = [];
  readonly trace: string[] = [];
  readonly #random: () => number;
  readonly #bug: SimBug;
  readonly config: RunConfig;
  /** Tokens whose holding an operator deleted by hand (or whose lease was revoked): see check(). */
  readonly outOfBand = new Set<bigint>();
  /** Every `elected` term in the order they happened, across nodes. */
  readonly elections: { id: string; term: bigint | null; at: number }[] = [];
  /** Leaders that led again with their own term after their deadline had passed (ride-through). */
  resumes = 0;
  /** What happened to direct transfers in this run, and the armed transfer faults. */
  readonly transferFaults = new TransferFaults();
  /** Holdings the server handed over by a transfer (the direct handover) in this run. */
  get transfers(): number {
    return this.server.lockGrants().filter((grant) => grant.handed === true).length;
  }
  /** The server is down (an etcd restart): no link reaches it, and its leases neither expire nor renew. */
  readonly serverStatus: ServerStatus = { down: false };

  constructor(
    scheduler: Scheduler,
    specs: readonly NodeSpec[],
    seed: number,
    bug: SimBug = 'none',
    config?: RunConfig,
  ) {
    this.server = new MemoryServer(this.clock);
    this.network = new SimNetwork(scheduler, this.clock, (line) => this.log(line));
    this.#random = mulberry32(seed);
    this.#bug = bug;
    this.config = config ?? { mode: 'confirmed', lockTimeoutMs: 1500, handoverDelayMs: 0 };
    this.log(
      `mode ${this.config.mode}, lockTimeoutMs ${this.config.lockTimeoutMs}, handoverDelayMs ${this.config.handoverDelayMs}`,
    );
    this.clock.afterTimer = () => this.check();
    for (const spec of specs) this.addNode(spec);
  }

  get confirmed(): boolean {
    return this.config.mode === 'confirmed';
  }

  log(line: string): void {
    this.trace.push(`${String(this.clock.now()).padStart(6)} ms  ${line}`);
  }

  addNode(spec: NodeSpec): SimNode {
    const node = new SimNode(`n${this.nodes.length}`, spec, this.clock, this.serverStatus);
    this.nodes.push(node);
    this.start(node);
    return node;
  }

  /**
   * Starts (or restarts, under the same id) the node's elector. A restart finds its crashed
   * registration still on the server: it waits it out, or revokes it at once with `takeover`.
   */
  start(node: SimNode, takeover = false): void {
    if (node.elector && node.latest?.phase !== 'stopped') return;
    node.link.cut = false;
    node.link.resume();
    const membership = createSimBackend({
      server: this.server,
      network: this.network,
      link: node.link,
      random: this.#random,
      sessions: node.sessions,
      onHolderDelivered: (holder, revision) => this.#onHolderDelivered(node, holder, revision),
      transfers: this.transferFaults,
      onTransferSent: (to) => this.#onTransferSent(to),
      releaseIgnoresToken: this.#bug === 'release-any',
      holderWithoutRevision: this.#bug === 'no-revision',
      renewFromReceive: this.#bug === 'renew-from-receive',
    });
    const elector = createElector({
      id: node.id,
      membership,
      mode: this.config.mode,
      priority: node.spec.priority,
      observer: node.spec.observer,
      ttlMs: TTL_MS,
      // The 'no-margin' bug: leadership runs to the session deadline itself, no room for drift.
      deadlineMarginMs: this.#bug === 'no-margin' ? 0 : MARGIN_MS,
      resyncIntervalMs: RESYNC_MS,
      lockTimeoutMs: this.config.lockTimeoutMs,
      handoverDelayMs: this.config.handoverDelayMs,
      takeover,
      clock: node.link.clock,
      backoff: { initialMs: 100, maxMs: BACKOFF_CAP_MS, random: this.#random },
      ...(this.#bug === 'keep-orphans' ? { unsafeKeepOrphans: true } : {}),
    } as Parameters<typeof createElector>[0]);
    node.elector = elector;
    node.latest = elector.state;
    node.lastLeadershipEvent = undefined;
    node.stopCalled = false;
    node.stopSeen = false;
    elector.subscribe((event, state) => this.#onEvent(node, elector, event, state));
    node.eventPhase = undefined;
    this.log(
      `${node.id}: start (priority ${node.spec.priority}${node.spec.observer ? ', observer' : ''}${takeover ? ', takeover' : ''})`,
    );
    elector.start().catch((error: Error) => this.log(`${node.id}: start() failed: ${error.message}`));
    void runWhileLeader(elector, (signal, term) => this.#runTask(node, signal, term)).catch(
      (error: Error) => {
        try {
          this.fail(`${node.id}: runWhileLeader rejected: ${error.message}`);
        } catch {
          // Recorded (the first violation wins); the next check() throws it where fast-check sees it.
        }
      },
    );
  }

  stop(node: SimNode, resign: boolean): void {
    const elector = node.elector;
    if (!elector || node.latest?.phase === 'stopped' || node.latest?.phase === 'stopping') return;
    this.log(`${node.id}: ${resign ? 'stop (resign)' : 'crash'}`);
    if (!resign) this.#successorGone(node);
    node.link.resume();
    this.#stopElector(node, elector, resign);
  }

  /**
   * Calls stop() and, once it settles, checks what a stopped elector must be: phase and reason
   * `stopped`, and no timer of its own still pending (unless the node was restarted meanwhile).
   */
  #stopElector(node: SimNode, elector: Elector, resign: boolean): Promise<void> {
    node.stopCalled = true;
    node.stopSettled = false;
    return elector.stop({ resign }).then(async () => {
      await settle();
      if (node.elector === elector) node.stopSettled = true;
      if (node.elector !== elector || this.violation) return;
      const state = elector.state;
      if (state.phase !== 'stopped' || state.reason.kind !== 'stopped')
        this.#record(
          `${node.id}: stop() settled with phase ${state.phase} and reason ${state.reason.kind}; expected stopped`,
        );
      const pending = node.link.pendingTimers();
      if (pending > 0) this.#record(`${node.id}: ${pending} timer(s) still pending after stop() settled`);
    });
  }

  /** Records a violation found outside a check (a settled promise): the next check() throws it. */
  #record(message: string): void {
    try {
      this.fail(message);
    } catch {
      // Recorded; the next check() throws it where fast-check sees it.
    }
  }

  /**
   * A listener calls stop() on the node's next event of this kind. `joining` only comes with a
   * (re)start, so it restarts the node (if stopped) with the listener in place.
   */
  stopFromListener(node: SimNode, on: StopTrigger, resign: boolean): void {
    if (node.latest?.phase === 'stopping' || (node.latest?.phase === 'stopped' && on !== 'joining')) return;
    node.stopOn = { on, resign };
    if (on === 'joining') this.start(node);
  }

  /** An operator deletes the leader key by hand: its holder leads until its watch delivers the deletion. */
  deleteLeaderKey(): void {
    const gone = this.server.deleteLeaderKey();
    if (!gone) return;
    this.outOfBand.add(gone.token);
    this.log(`operator deleted the leader key (${gone.id}@${gone.token})`);
  }

  /** The node's rank changes while it stays a member (elector.setPriority; the switchover). */
  setPriority(node: SimNode, priority: number): void {
    node.spec = { ...node.spec, priority };
    const elector = node.elector;
    if (!elector || node.link.paused || node.stopCalled) return;
    const change = elector
      .setPriority(priority)
      .catch((error: Error) => this.log(`${node.id}: setPriority(${priority}) failed: ${error.message}`))
      .finally(() => node.priorityChanges.delete(change));
    node.priorityChanges.add(change);
  }

  /** The node crashed or lost its lease: counted when it was the successor of a transfer in flight or not yet led on. */
  #successorGone(node: SimNode): void {
    const holder = this.server.holder();
    const handedNotLed = holder?.id === node.id && holder.handed === true && node.latest?.phase !== 'leader';
    this.transferFaults.crashed(node.id, handedNotLed);
  }

  /** The armed transfer faults: crash the successor now, or start a stopped member now. */
  #onTransferSent(to: string): void {
    const faults = this.transferFaults;
    if (faults.crashNextSuccessor) {
      faults.crashNextSuccessor = false;
      const successor = this.nodes.find((n) => n.id === to);
      if (successor) void Promise.resolve().then(() => this.stop(successor, false));
    }
    if (faults.joinOnNextTransfer) {
      faults.joinOnNextTransfer = false;
      const stopped = this.nodes.find((n) => !n.elector || n.latest?.phase === 'stopped');
      if (stopped) void Promise.resolve().then(() => this.start(stopped));
    }
  }

  /** An operator revokes the node's lease: its member key and any holding go; it learns at its next renewal. */
  revokeLease(node: SimNode): void {
    for (const session of node.sessions) {
      if (!this.server.hasLease(session.leaseId)) continue;
      const holder = this.server.holder();
      if (holder && this.server.holderLease() === session.leaseId) this.outOfBand.add(holder.token);
      this.log(`${node.id}: operator revoked lease ${session.leaseId}`);
      this.#successorGone(node);
      this.server.revoke(session.leaseId);
    }
  }

  /**
   * The node's holder watch delivered `holder` as the state at `revision` (tokens are revisions):
   * every holding up to that revision but the one shown is gone, so dead to this node, a holding
   * of its own deleted before the watch ever showed it included.
   */
  #onHolderDelivered(node: SimNode, holder: LockHolder, revision: bigint): void {
    const dead = holder !== null && holder.id === node.id ? holder.token - 1n : revision;
    if (dead > node.watchFloor) node.watchFloor = dead;
  }

  partition(node: SimNode): void {
    this.log(`${node.id}: partitioned`);
    node.link.cut = true;
  }

  heal(node: SimNode): void {
    if (!node.link.cut) return;
    this.log(`${node.id}: healed`);
    node.link.cut = false;
    if (!this.serverStatus.down)
      for (const session of node.sessions) if (session.live) session.resyncWatches();
  }

  /**
   * The server goes down for `ms` and comes back with its state, as etcd does across a restart on
   * the same data dir: nothing reaches it meanwhile, no lease expires while it is down, and every
   * lease gets a full TTL when it returns (etcd's lessor refreshes leases when it becomes leader).
   */
  serverDown(ms: number): void {
    if (this.serverStatus.down) return;
    this.log(`server down for ${ms} ms (leases kept)`);
    this.serverStatus.down = true;
    this.server.freezeLeases();
    this.clock.setTimer(() => this.serverUp(), ms);
  }

  serverUp(): void {
    if (!this.serverStatus.down) return;
    this.log('server up again: every lease refreshed to a full TTL');
    this.serverStatus.down = false;
    this.server.thawLeases();
    for (const node of this.nodes)
      if (!node.link.cut) for (const session of node.sessions) if (session.live) session.resyncWatches();
  }

  pause(node: SimNode, ms: number): void {
    if (node.link.paused) return;
    this.log(`${node.id}: paused for ${ms} ms`);
    node.link.paused = true;
    this.clock.setTimer(() => this.resume(node), ms);
  }

  resume(node: SimNode): void {
    if (!node.link.paused) return;
    this.log(`${node.id}: resumed`);
    node.link.resume();
  }

  /**
   * The server expires the node's lease early, as a server whose clock runs fast would: never
   * before the node's own leadership deadline (session deadline less the margin), which is the
   * drift the margin is there to absorb.
   */
  expireEarly(node: SimNode): void {
    for (const session of node.sessions) {
      if (!this.server.hasLease(session.leaseId)) continue;
      if (this.clock.now() < session.deadline() - MARGIN_MS) continue;
      this.log(`${node.id}: lease ${session.leaseId} expired by the server`);
      this.#successorGone(node);
      this.server.expire(session.leaseId);
    }
  }

  /** The first violation found; thrown again by every later check (listeners' throws are swallowed by the elector). */
  violation: Violation | undefined;

  fail(message: string): never {
    if (!this.violation) {
      this.log(`VIOLATION: ${message}`);
      this.violation = new Violation(message);
    }
    throw this.violation;
  }

  #onEvent(node: SimNode, elector: Elector, event: ElectorEvent, state: ElectionState): void {
    if (node.elector !== elector) return; // an earlier incarnation of the node
    node.latest = state;
    node.eventPhase = state.phase;
    // Events queued before stop() was called may still arrive after it; none may follow 'stopping'.
    if (node.stopSeen) {
      if (event.type === 'elected') this.fail(`${node.id} was elected after its phase went to stopping`);
      if (event.type === 'phase' && event.phase !== 'stopped')
        this.fail(`${node.id} entered phase ${event.phase} after stopping`);
    }
    if (event.type === 'phase' && (event.phase === 'stopping' || event.phase === 'stopped'))
      node.stopSeen = true;
    const trigger = node.stopOn;
    const fires =
      trigger !== undefined &&
      ((event.type === 'phase' &&
        (event.phase === trigger.on || (trigger.on === 'follower' && event.phase === 'candidate'))) ||
        event.type === trigger.on);
    if (trigger && fires && !node.stopCalled) {
      node.stopOn = undefined;
      this.log(`${node.id}: a listener of ${event.type === 'phase' ? event.phase : event.type} calls stop()`);
      void this.#stopElector(node, elector, trigger.resign);
    }
    if (event.type === 'elected' || event.type === 'demoted') {
      this.log(
        `${node.id}: ${event.type} term ${event.term}${event.type === 'demoted' ? ` (${event.reason})` : ''}`,
      );
      if (node.lastLeadershipEvent === event.type)
        this.fail(`${node.id} emitted ${event.type} twice in a row: elected/demoted must alternate`);
      if (event.type === 'demoted' && node.lastLeadershipEvent === undefined)
        this.fail(`${node.id} emitted demoted before any elected`);
      node.lastLeadershipEvent = event.type;
    }
    if (event.type === 'elected') {
      const previous = this.elections.at(-1);
      // The same term twice is a leader resuming after its deadline passed with its registration
      // and lock intact: only the same node may do that, and check() verifies after this step that
      // the server's leader key still carries that token (a new holding always gets a larger one).
      const resumed = previous?.id === node.id && event.term === previous.term;
      if (resumed && event.term !== null) this.resumes++;
      if (
        previous &&
        event.term !== null &&
        previous.term !== null &&
        event.term <= previous.term &&
        !resumed &&
        !this.outOfBand.has(event.term) // deleted by hand; its holder learns by its watch
      )
        this.fail(
          `terms must increase: ${node.id} elected with ${event.term} after ${previous.id}'s ${previous.term}`,
        );
      this.elections.push({ id: node.id, term: event.term, at: this.clock.now() });
    }
  }

  #runTask(node: SimNode, signal: AbortSignal, term: bigint | null): Promise<void> {
    const state = node.latest;
    if (!state?.isLeader || state.term !== term)
      this.fail(
        `${node.id}: a leader task started with term ${term}, but the node's term is ${state?.term} (leader: ${state?.isLeader})`,
      );
    const fenced = (t: bigint | null) => this.confirmed && !this.outOfBand.has(t ?? -1n);
    for (const other of this.nodes) {
      if (!fenced(term) || !fenced(other.task?.term ?? null)) continue;
      if (other !== node && other.task && !other.task.ended && other.leads())
        this.fail(`${node.id}'s leader task (term ${term}) overlaps ${other.id}'s (term ${other.task.term})`);
    }
    const task: Task = { term, signal, ended: false };
    node.task = task;
    return new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => {
        task.ended = true;
        resolve();
      });
    });
  }

  /** The invariants. Cheap: runs after every step of the simulation. */
  check(): void {
    if (this.violation) throw this.violation;
    // Before anything reads `state` (which demotes a leader past its deadline by itself): a running
    // leader must have been demoted by its own deadline timer once its deadline has passed.
    for (const node of this.nodes) {
      if (node.eventPhase !== 'leader' || node.link.paused) continue;
      const session = node.sessions.at(-1);
      if (session && this.clock.now() > session.deadline() - MARGIN_MS)
        this.fail(
          `${node.id} is still leader by its events ${this.clock.now() - session.deadline() + MARGIN_MS} ms past its deadline: its deadline timer did not demote it`,
        );
    }
    const leaders = this.nodes.filter((node) => node.leads());
    for (const node of this.nodes) {
      const task = node.task;
      if (!task || task.ended || node.link.paused) continue;
      if (!node.leads() || node.latest?.term !== task.term)
        this.fail(`${node.id}'s leader task still runs with term ${task.term}, which has ended`);
    }
    if (!this.confirmed) return; // view mode: the views elect, with no safety guarantee to check
    for (const leader of leaders) {
      const term = leader.latest?.term ?? null;
      if (term !== null && term <= leader.watchFloor)
        this.fail(
          `${leader.id} leads with term ${term}, but its holder watch already delivered that holding's end (dead up to ${leader.watchFloor})`,
        );
    }
    // A holding an operator deleted by hand is led on until its holder's watch delivers the
    // deletion (nothing can tell the node sooner): in that window only the invariant above holds
    // for it, not these two; once delivered, the invariant above forbids leading on it.
    const fenced = leaders.filter((node) => !this.outOfBand.has(node.latest?.term ?? -1n));
    if (fenced.length > 1)
      this.fail(`two leaders at once: ${fenced.map((n) => `${n.id} (term ${n.latest?.term})`).join(', ')}`);
    const holder = this.server.holder();
    for (const leader of fenced) {
      const term = leader.latest?.term;
      if (!holder || holder.id !== leader.id || holder.token !== term)
        this.fail(
          `${leader.id} leads with term ${term} but the server's leader key is ${holder ? `${holder.id}@${holder.token}` : 'absent'}`,
        );
    }
  }

  /** Ends every fault: links healed, processes resumed, no more lost requests or answers. */
  async calm(): Promise<void> {
    // Armed transfer faults would be a crash or a join after the faults.
    this.transferFaults.crashNextSuccessor = false;
    this.transferFaults.joinOnNextTransfer = false;
    for (const node of this.nodes) {
      node.link.dropRequests = 0;
      node.link.loseReplies = 0;
      node.link.dropLockRequests = 0;
      node.link.loseLockReplies = 0;
      node.link.holdLockRequests = 0;
      node.link.holdRequests = 0;
      node.stopOn = undefined; // a listener armed to stop the node would be a crash after the faults
      node.link.unslow();
      node.link.releaseHeldOut();
      for (const session of node.sessions) if (session.live) session.lagWatches(0);
      this.heal(node);
      this.resume(node);
    }
    this.serverUp();
    await settle();
  }

  /** Nodes that should be able to lead now: started, not stopped, not observers. */
  electable(): SimNode[] {
    return this.nodes.filter(
      (node) =>
        !node.spec.observer &&
        node.latest !== undefined &&
        !['stopping', 'stopped'].includes(node.latest.phase),
    );
  }

  /**
   * Stops every elector (as a crash: the links are cut first, so nothing more reaches anyone) and
   * checks that none left a timer behind.
   */
  async stopAll(): Promise<void> {
    for (const node of this.nodes) {
      node.link.resume();
      node.link.cut = true;
    }
    const stops: Promise<void>[] = [];
    for (const node of this.nodes)
      if (node.elector && !node.stopCalled) stops.push(this.#stopElector(node, node.elector, false));
    await Promise.all(stops);
    await settle();
    // A stop() called earlier may still be waiting on its own bounded steps (a release on stop, a
    // leave): time runs on until every one has settled, within a bound, before timers are counted.
    const until = this.clock.now() + STOP_SETTLE_BOUND_MS;
    while (this.nodes.some((n) => n.elector && n.stopCalled && !n.stopSettled)) {
      if (this.clock.now() >= until) {
        const stuck = this.nodes.filter((n) => n.elector && n.stopCalled && !n.stopSettled);
        this.fail(
          `${stuck.map((n) => n.id).join(', ')}: stop() not settled ${STOP_SETTLE_BOUND_MS} ms after the run`,
        );
      }
      await this.clock.advance(50);
      await settle();
    }
    for (const node of this.nodes) {
      const pending = node.link.pendingTimers();
      if (pending > 0) this.fail(`${node.id}: ${pending} timer(s) still pending after stop()`);
    }
    this.check();
  }

  async dispose(): Promise<void> {
    for (const node of this.nodes) {
      node.link.resume();
      node.link.cut = true; // nothing more reaches anyone
      // Not awaited: an earlier graceful stop may be waiting for an answer that will never come now.
      if (node.elector) void node.elector.stop({ resign: false });
    }
    this.server.dispose();
    await settle();
  }
}
