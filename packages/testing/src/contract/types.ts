import type { MembershipBackend } from '@election/core';
import type { ManualClock } from '../clock/manual-clock.js';

/** Registers one test; vitest's `it` fits. The third argument is a timeout in real ms. */
export interface RegisterTest {
  (name: string, fn: () => Promise<void>, timeoutMs?: number): void;
  /** Registers a skipped test, so the report says which case was skipped and why. */
  skip?: (name: string, fn: () => Promise<void>) => void;
  /** Registers a test that runs alongside the others of its block (for the `concurrent` option). */
  concurrent?: (name: string, fn: () => Promise<void>, timeoutMs?: number) => void;
}

/** The slice of a test runner the suite needs; pass `import * as vitest from 'vitest'`. */
export interface ContractTestApi {
  describe(name: string, fn: () => void): void;
  it: RegisterTest;
  afterEach(fn: () => Promise<void>): void;
}

/** One fresh, isolated election (own key prefix, own cluster…) for exactly one test. */
export interface ContractCluster {
  /** A backend for one node; called once per elector the test starts. */
  createBackend(member: { readonly id: string }): MembershipBackend;
  /** Releases everything the cluster holds (servers, clients, timers). Called after every test. */
  teardown(): Promise<void>;
}

export type ContractClusterFactory = () => ContractCluster | Promise<ContractCluster>;

export interface ContractSuiteOptions {
  /** Shown in the describe title, e.g. "etcd". */
  readonly name: string;
  /** The backend offers a leader lock: run in confirmed mode and include the lock-only cases. */
  readonly lock: boolean;
  /** Registration TTL every elector uses; must suit the backend (minimum, whole seconds). */
  readonly ttlMs: number;
  /** Fake time: electors run on it and every wait advances it. Omit to run in real time. */
  readonly clock?: ManualClock;
  /** How long to wait for the cluster to converge (a new leader everyone agrees on), in the clock's ms. */
  readonly timeoutMs: number;
  /** How long "nothing bad happens" is watched for (observer never leads, duplicate keeps leading). Default: ttlMs. */
  readonly settleMs?: number;
  /** The adapter serves a list declared upfront (declare `contractMembers`); no key outlives a crash. */
  readonly fixedMembership?: boolean;
  /** Per-test runner timeout, real ms. Default: generous, from ttlMs and timeoutMs. */
  readonly testTimeoutMs?: number;
  /**
   * Run the cases at the same time (`it.concurrent`), each on its own cluster as always. For real-time
   * backends, whose cases mostly wait out TTLs: the suite then takes about as long as its longest
   * case. Needs `api.it.concurrent`. Default false (one case after the other).
   */
  readonly concurrent?: boolean;
}
