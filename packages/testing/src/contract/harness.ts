import {
  createElector,
  type Elector,
  type ElectorEvent,
  type MembershipBackend,
  type MembershipSession,
  silentLogger,
  systemClock,
} from '@election/core';
import { assertStays, waitFor } from '../clock/wait-for.js';
import { agreeOn, describeElectors } from './conditions.js';
import { contractMember } from './members.js';
import { SafetyMonitor } from './monitor.js';
import type { ContractCluster, ContractSuiteOptions } from './types.js';

export interface StartOptions {
  readonly meta?: Readonly<Record<string, string>>;
}

interface Node {
  readonly elector: Elector;
  readonly events: ElectorEvent[];
  /** Started and not stopped by the test: the electors whose view must agree. */
  running: boolean;
}

/**
 * What one contract test works with: starts electors on the adapter under test, waits for
 * conditions on the test's clock, samples the safety invariants continuously, and cleans up
 * everything it started, whatever the outcome.
 */
export class Harness {
  readonly confirmed: boolean;
  readonly monitor: SafetyMonitor;
  readonly #nodes: Node[] = [];
  readonly #backends: MembershipBackend[] = [];
  readonly #sessions: MembershipSession[] = [];

  readonly #cluster: ContractCluster;
  readonly options: ContractSuiteOptions & { readonly settleMs: number };

  constructor(cluster: ContractCluster, options: ContractSuiteOptions & { readonly settleMs: number }) {
    this.#cluster = cluster;
    this.options = options;
    this.confirmed = options.lock;
    this.monitor = new SafetyMonitor(this.confirmed, () => this.#nodes.map((node) => node.elector));
  }

  /** Clock time in ms: fake with a manual clock, else real. */
  now(): number {
    return this.options.clock?.now() ?? performance.now();
  }

  /** Creates and starts an elector for a contract member; resolves once it has joined. */
  async start(id: string, startOptions: StartOptions = {}): Promise<Elector> {
    const node = this.#create(id, startOptions);
    await this.settle(node.elector.start(), `${id} to finish start()`);
    return node.elector;
  }

  /** Starts an elector that must fail to start; resolves with the rejection. */
  async startFailing(id: string, startOptions: StartOptions = {}): Promise<unknown> {
    const node = this.#create(id, startOptions);
    node.running = false;
    const outcome = this.settle(node.elector.start(), `${id}'s start() to settle`).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    const result = await outcome;
    if (result === undefined) throw new Error(`${id}: start() resolved, but it was expected to be rejected`);
    return result.error;
  }

  /** Joins a contract member straight through the backend, without an elector (for lock-level cases). */
  async join(id: string): Promise<MembershipSession> {
    const membership = this.#cluster.createBackend({ id });
    this.#backends.push(membership);
    const session = await this.settle(
      membership.join({
        member: contractMember(id),
        ttlMs: this.options.ttlMs,
        clock: this.options.clock ?? systemClock,
        logger: silentLogger,
        signal: new AbortController().signal,
        takeover: false,
      }),
      `${id} to join the backend`,
    );
    this.#sessions.push(session);
    return session;
  }

  async stop(elector: Elector, resign: boolean): Promise<void> {
    const node = this.#nodes.find((candidate) => candidate.elector === elector);
    if (node) node.running = false;
    await this.settle(elector.stop({ resign }), `${elector.id} to finish stop({ resign: ${resign} })`);
    this.#sample(`after ${elector.id} stopped`);
  }

  /** Electors started and not stopped by the test. */
  running(): Elector[] {
    return this.#nodes.filter((node) => node.running).map((node) => node.elector);
  }

  eventsOf(elector: Elector): readonly ElectorEvent[] {
    return this.#nodes.find((node) => node.elector === elector)?.events ?? [];
  }

  /** Waits until every running elector agrees that `leaderId` leads (null: nobody). */
  async agreeOn(leaderId: string | null, timeoutMs = this.options.timeoutMs): Promise<void> {
    await this.until(
      () => agreeOn(this.running(), leaderId, this.confirmed),
      `every running node (${this.running()
        .map((e) => e.id)
        .join(', ')}) to agree that ${leaderId ?? 'nobody'} leads`,
      timeoutMs,
    );
  }

  async until(predicate: () => boolean, message: string, timeoutMs = this.options.timeoutMs): Promise<void> {
    await waitFor(
      () => {
        this.#sample(`while waiting for ${message}`);
        this.monitor.check();
        return predicate();
      },
      { clock: this.options.clock, timeoutMs, message, describe: () => describeElectors(this.running()) },
    );
    this.monitor.check();
  }

  async stays(predicate: () => boolean, message: string, durationMs = this.options.settleMs): Promise<void> {
    await assertStays(
      () => {
        this.#sample(`while checking that ${message}`);
        this.monitor.check();
        return predicate();
      },
      { clock: this.options.clock, durationMs, message, describe: () => describeElectors(this.running()) },
    );
    this.monitor.check();
  }

  /** Resolves or rejects like `promise`, advancing fake time meanwhile; fails if it hangs. */
  async settle<T>(promise: Promise<T>, what: string): Promise<T> {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    tracked.catch(() => {}); // observed below; this only prevents an "unhandled" report meanwhile
    await waitFor(() => done, {
      clock: this.options.clock,
      timeoutMs: this.options.ttlMs + this.options.timeoutMs,
      message: what,
      describe: () => describeElectors(this.running()),
    });
    return tracked;
  }

  /** Stops every elector (resigning), closes every backend, tears the cluster down; throws the first failure. */
  async cleanup(): Promise<void> {
    const failures: unknown[] = [];
    for (const node of this.#nodes) {
      node.running = false;
      await this.settle(node.elector.stop({ resign: true }), `${node.elector.id} to stop in cleanup`).catch(
        (error: unknown) => failures.push(error),
      );
    }
    for (const session of this.#sessions) {
      await this.settle(session.leave(), 'a session to leave in cleanup').catch((error: unknown) =>
        failures.push(error),
      );
    }
    for (const backend of this.#backends)
      await backend.close().catch((error: unknown) => failures.push(error));
    await this.#cluster.teardown().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }

  #sample(where: string): void {
    this.monitor.sample(where);
  }

  #create(id: string, startOptions: StartOptions): Node {
    const member = contractMember(id);
    const membership = this.#cluster.createBackend({ id });
    this.#backends.push(membership);
    const elector = createElector({
      id,
      membership,
      mode: this.confirmed ? 'confirmed' : 'view',
      ttlMs: this.options.ttlMs,
      ...(member.priority === undefined ? {} : { priority: member.priority }),
      ...(member.observer ? { observer: true } : {}),
      ...(startOptions.meta === undefined ? {} : { meta: startOptions.meta }),
      ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
    });
    const node: Node = { elector, events: [], running: true };
    elector.subscribe((event) => {
      node.events.push(event);
      if (event.type === 'elected') this.monitor.recordElected(id, event.term);
      this.#sample(`after ${id} emitted "${event.type}"`);
    });
    this.#nodes.push(node);
    return node;
  }
}
