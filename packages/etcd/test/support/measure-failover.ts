/**
 * Measures failover on a real etcd: graceful (the leader stops with resign) and crash (the leader
 * stops without a word, its lease left to expire), `rounds` times each, and prints the medians.
 *
 *   pnpm exec tsx --tsconfig packages/etcd/test/support/tsconfig.child.json \
 *     packages/etcd/test/support/measure-failover.ts [rounds] [ttlMs]
 *
 * Time is from the stop() call (at a random moment) to the moment the next node reports itself elected.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createElector, type Elector } from '@election/core';
import { waitFor } from '@election/testing';
import { startEtcd } from '@election/tools';
import { createEtcdMembership, type EtcdMembershipBackend } from '../../src/index.js';
import { uniquePrefix } from './session-helpers.js';

export interface FailoverFigures {
  readonly gracefulMs: number[];
  readonly crashMs: number[];
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function oneRound(endpoints: readonly string[], ttlMs: number, resign: boolean): Promise<number> {
  const prefix = uniquePrefix(resign ? 'graceful' : 'crash');
  const backends: EtcdMembershipBackend[] = [];
  const electors: Elector[] = [];
  const start = async (id: string) => {
    const membership = createEtcdMembership({ endpoints: [...endpoints], prefix });
    backends.push(membership);
    const elector = createElector({ id, membership, ttlMs });
    electors.push(elector);
    await elector.start();
    return elector;
  };
  try {
    const a = await start('a');
    const b = await start('b');
    await waitFor(() => a.state.isLeader && b.state.leaderId === 'a', {
      timeoutMs: 10_000,
      message: 'a to lead',
    });
    // Stop at a random moment: etcd revokes expired leases on a 500 ms tick and renewals run every
    // TTL/3, so stopping right after start-up would measure one fixed phase of both.
    const stopAt = performance.now() + Math.random() * 1000;
    await waitFor(() => performance.now() >= stopAt, {
      timeoutMs: 2000,
      stepMs: 1,
      message: 'the stop moment',
    });
    let electedAt: number | undefined;
    b.on('elected', () => {
      electedAt ??= performance.now();
    });
    const stoppedAt = performance.now();
    await a.stop({ resign });
    await waitFor(() => electedAt !== undefined, {
      timeoutMs: ttlMs + 5000,
      stepMs: 1,
      message: 'b to lead',
    });
    return electedAt! - stoppedAt;
  } finally {
    await Promise.allSettled(electors.map((elector) => elector.stop({ resign: true })));
    await Promise.allSettled(backends.map((backend) => backend.close()));
  }
}

export async function measureFailover(
  endpoints: readonly string[],
  rounds = 10,
  ttlMs = 2000,
): Promise<FailoverFigures> {
  const gracefulMs: number[] = [];
  const crashMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    gracefulMs.push(await oneRound(endpoints, ttlMs, true));
    crashMs.push(await oneRound(endpoints, ttlMs, false));
  }
  return { gracefulMs, crashMs };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 10);
  const ttlMs = Number(process.argv[3] ?? 2000);
  const etcd = await startEtcd(
    process.env.MEASURE_ETCD_DATA_DIR ? { dataDir: process.env.MEASURE_ETCD_DATA_DIR } : {},
  );
  try {
    const figures = await measureFailover(etcd.endpoints, rounds, ttlMs);
    const line = (name: string, values: number[]) =>
      `${name}: median ${median(values).toFixed(1)} ms, min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)} (${values.map((v) => v.toFixed(0)).join(', ')})`;
    console.log(`etcd failover at TTL ${ttlMs} ms, ${rounds} rounds each`);
    console.log(line('graceful', figures.gracefulMs));
    console.log(line('crash   ', figures.crashMs));
  } finally {
    await etcd.stop();
  }
}

// Run as a script (not when imported, e.g. by the bench).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
