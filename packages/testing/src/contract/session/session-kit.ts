import {
  type MembershipBackend,
  type MembershipEvent,
  type MembershipSession,
  silentLogger,
  systemClock,
} from '@election/core';
import { assertStays, waitFor } from '../../clock/wait-for.js';
import { registerCases } from '../register.js';
import type { ContractTestApi } from '../types.js';
import type { SessionEnvironment, SessionEnvironmentFactory, SessionSuiteOptions } from './types.js';

/** What one session-level test works with: the environment, and helpers on the suite's clock. */
export class SessionKit {
  readonly env: SessionEnvironment;
  readonly options: SessionSuiteOptions;
  readonly #backends: MembershipBackend[] = [];
  readonly #sessions: MembershipSession[] = [];

  constructor(env: SessionEnvironment, options: SessionSuiteOptions) {
    this.env = env;
    this.options = options;
  }

  now(): number {
    return this.options.clock?.now() ?? performance.now();
  }

  /** The time on the clock the sessions run on (their deadlines and send times are in it). */
  sessionNow(): number {
    return (this.options.clock ?? systemClock).now();
  }

  async join(id: string): Promise<MembershipSession> {
    const backend = this.env.backend({ id });
    this.#backends.push(backend);
    return this.joinWith(backend, id);
  }

  /** Joins `id` through a backend the test made itself (closed in clean-up like the others). */
  async joinWith(backend: MembershipBackend, id: string): Promise<MembershipSession> {
    if (!this.#backends.includes(backend)) this.#backends.push(backend);
    const session = await this.settle(
      backend.join({
        member: { id },
        ttlMs: this.options.ttlMs,
        clock: this.options.clock ?? systemClock,
        logger: silentLogger,
        signal: new AbortController().signal,
        takeover: false,
      }),
      `${id} to join`,
    );
    this.#sessions.push(session);
    return session;
  }

  /** node-a and node-b joined, with their locks (a backend with a lock gives every session one). */
  async joinPairWithLocks() {
    const a = await this.join('node-a');
    const b = await this.join('node-b');
    if (!a.lock || !b.lock) fail('a backend with capabilities.lock must give every session a lock');
    return { a, b, lockA: a.lock, lockB: b.lock };
  }

  /** The environment's hook `name`; fails the case, saying what to do `instead`, when it has none. */
  need<K extends 'invalidate' | 'outage' | 'latency' | 'userClient'>(
    name: K,
    instead: string,
  ): NonNullable<SessionEnvironment[K]> {
    const hook = this.env[name];
    if (hook === undefined) fail(`the environment has no ${name}(); ${instead}`);
    return hook.bind(this.env) as NonNullable<SessionEnvironment[K]>;
  }

  until(predicate: () => boolean, message: string, timeoutMs = this.options.timeoutMs): Promise<void> {
    return waitFor(predicate, { clock: this.options.clock, timeoutMs, message });
  }

  stays(predicate: () => boolean, message: string, durationMs: number): Promise<void> {
    return assertStays(predicate, { clock: this.options.clock, durationMs, message });
  }

  /** Waits (advancing a fake clock) for `promise` to settle; rejects when it takes over `timeoutMs`. */
  async settle<T>(
    promise: Promise<T>,
    what: string,
    timeoutMs = this.options.ttlMs + this.options.timeoutMs,
  ) {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    tracked.catch(() => {});
    await waitFor(() => done, { clock: this.options.clock, timeoutMs, message: what });
    return tracked;
  }

  async cleanup(): Promise<void> {
    for (const session of this.#sessions) session.close();
    await Promise.all(this.#backends.map((backend) => backend.close().catch(() => {})));
    await this.env.teardown();
  }
}

/** The member ids a stream of membership events leaves in view. */
export function idsInView(events: readonly MembershipEvent[]): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    if (event.type === 'snapshot') {
      ids.clear();
      for (const member of event.members) ids.add(member.id);
    } else if (event.type === 'put') ids.add(event.member.id);
    else ids.delete(event.id);
  }
  return [...ids].sort();
}

/** Why a lock-only case is skipped: the backend has no leader lock (undefined when it has one). */
export function lockSkip(options: SessionSuiteOptions): string | undefined {
  return options.lock ? undefined : 'the backend has no leader lock';
}

export function fail(message: string): never {
  throw new Error(`session contract violated: ${message}`);
}

/** Registers one describe block of session tests, each with a fresh environment and clean-up. */
export function registerGroup(
  api: ContractTestApi,
  factory: SessionEnvironmentFactory,
  options: SessionSuiteOptions,
  group: string,
  cases: ReadonlyArray<{
    readonly title: string;
    readonly skip?: string;
    run(kit: SessionKit): Promise<void>;
  }>,
): void {
  const testTimeoutMs =
    options.testTimeoutMs ??
    (options.clock ? 60_000 : 4 * options.ttlMs + 4 * options.timeoutMs + options.leaveBoundMs + 10_000);
  registerCases(api, `@election session contract: ${options.name}: ${group}`, cases, {
    skipReason: (entry) => entry.skip,
    create: async () => new SessionKit(await factory(), options),
    run: (entry, kit) => entry.run(kit),
    timeoutMs: testTimeoutMs,
  });
}
