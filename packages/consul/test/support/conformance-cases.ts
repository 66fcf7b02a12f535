import { waitFor } from '@election/testing';
import { describe, expect, it } from 'vitest';
import { type ConsulTarget, uniqueElection } from './consul-target.js';

/**
 * The behaviours of a real Consul agent the adapter relies on (the reference table in the README),
 * each checked over the HTTP API. Every case runs against the simulator; the ones a real agent can
 * show without fault injection run against a real agent too (real-consul.test.ts); the others are
 * listed there as skipped, with the reason in their title.
 */
export interface ConformanceCase {
  readonly title: string;
  /** Why only the simulator can run it (fault injection, a second node, ACL setup), if so. */
  readonly needsSimulator?: string;
  readonly timeoutMs?: number;
  run(target: ConsulTarget, prefix: string): Promise<void>;
}

interface KvJson {
  readonly ModifyIndex: number;
  readonly LockIndex: number;
  readonly Session?: string;
}

async function entry(target: ConsulTarget, key: string): Promise<KvJson & { readonly index: number }> {
  const answer = await target.http('GET', `/v1/kv/${key}`);
  expect(answer.status).toBe(200);
  const [first] = JSON.parse(answer.text) as KvJson[];
  if (!first) throw new Error(`no entry for ${key}`);
  return { ...first, index: answer.index };
}

async function session(target: ConsulTarget, body: Record<string, unknown>): Promise<string> {
  const answer = await target.http('PUT', '/v1/session/create', JSON.stringify(body));
  expect(answer.status, answer.text).toBe(200);
  return (JSON.parse(answer.text) as { ID: string }).ID;
}

async function nodeChecks(target: ConsulTarget, id: string): Promise<string[]> {
  const answer = await target.http('GET', `/v1/session/info/${id}`);
  const [info] = JSON.parse(answer.text) as Array<{ NodeChecks?: string[] | null; Checks?: string[] | null }>;
  // A current agent answers NodeChecks; one before 1.7 answers Checks. Empty may come back as null.
  return [...(info?.NodeChecks ?? []), ...(info?.Checks ?? [])];
}

function simulatorOf(target: ConsulTarget) {
  if (!target.simulator) throw new Error('this case needs the simulator');
  return target.simulator;
}

const destroy = (target: ConsulTarget, id: string) => target.http('PUT', `/v1/session/destroy/${id}`);

export const conformanceCases: readonly ConformanceCase[] = [
  {
    title:
      'a session created without checks is bound to serfHealth; an explicit empty Checks list binds it to none (agent/session_endpoint.go, fixupEmptySessionChecks)',
    async run(target) {
      const bound = await session(target, { TTL: '10s' });
      const unbound = await session(target, { TTL: '10s', Checks: [] });
      try {
        expect(await nodeChecks(target, bound)).toContain('serfHealth');
        expect(await nodeChecks(target, unbound)).toEqual([]);
      } finally {
        await destroy(target, bound);
        await destroy(target, unbound);
      }
    },
  },
  {
    title:
      'a write that changes nothing keeps ModifyIndex: an identical PUT, and the holder re-acquiring with the same value (agent/consul/state/kvs.go, kvsSetTxn)',
    async run(target, prefix) {
      const key = `${prefix}/noop`;
      expect((await target.http('PUT', `/v1/kv/${key}`, 'v')).text).toBe('true');
      const first = await entry(target, key);
      expect((await target.http('PUT', `/v1/kv/${key}`, 'v')).text).toBe('true');
      expect((await entry(target, key)).ModifyIndex).toBe(first.ModifyIndex);
      const id = await session(target, { TTL: '10s', LockDelay: '0s' });
      try {
        expect((await target.http('PUT', `/v1/kv/${key}?acquire=${id}`, 'v')).text).toBe('true');
        const held = await entry(target, key);
        expect(held.ModifyIndex).toBeGreaterThan(first.ModifyIndex);
        expect((await target.http('PUT', `/v1/kv/${key}?acquire=${id}`, 'v')).text).toBe('true');
        const again = await entry(target, key);
        expect([again.ModifyIndex, again.LockIndex]).toEqual([held.ModifyIndex, held.LockIndex]);
        // Another value is a change: the index moves, the lock stays.
        expect((await target.http('PUT', `/v1/kv/${key}?acquire=${id}`, 'w')).text).toBe('true');
        const changed = await entry(target, key);
        expect(changed.ModifyIndex).toBeGreaterThan(held.ModifyIndex);
        expect(changed.LockIndex).toBe(held.LockIndex);
      } finally {
        await destroy(target, id);
        await target.http('DELETE', `/v1/kv/${key}`);
      }
    },
  },
  {
    title: "a single-key GET answers X-Consul-Index = that key's ModifyIndex (KVS.Get), not the table's",
    async run(target, prefix) {
      const [a, b] = [`${prefix}/index-a`, `${prefix}/index-b`];
      await target.http('PUT', `/v1/kv/${a}`, '1');
      await target.http('PUT', `/v1/kv/${b}`, '2');
      try {
        const read = await entry(target, a);
        expect(read.index).toBe(read.ModifyIndex);
        expect((await entry(target, b)).ModifyIndex).toBeGreaterThan(read.ModifyIndex);
      } finally {
        await target.http('DELETE', `/v1/kv/${a}`);
        await target.http('DELETE', `/v1/kv/${b}`);
      }
    },
  },
  {
    title:
      'lock-delay: after the holder is destroyed, ?acquire answers false (200) until it ends, then true; its end wakes no blocking query',
    timeoutMs: 15_000,
    async run(target, prefix) {
      const key = `${prefix}/delayed`;
      const holder = await session(target, { TTL: '10s', LockDelay: '2s', Behavior: 'delete' });
      const next = await session(target, { TTL: '10s', LockDelay: '0s' });
      try {
        expect((await target.http('PUT', `/v1/kv/${key}?acquire=${holder}`, 'x')).text).toBe('true');
        await destroy(target, holder);
        const destroyedAt = performance.now();
        const refused = await target.http('PUT', `/v1/kv/${key}?acquire=${next}`, 'y');
        expect([refused.status, refused.text]).toEqual([200, 'false']);
        // Block on the prefix from now on: nothing is written when the delay ends.
        const listed = await target.http('GET', `/v1/kv/${prefix}/?recurse`);
        const index = Number.isNaN(listed.index) ? 1 : listed.index;
        const blocked = await target.http('GET', `/v1/kv/${prefix}/?recurse&index=${index}&wait=3s`);
        expect(performance.now() - destroyedAt).toBeGreaterThanOrEqual(2_900);
        expect(blocked.index).toBe(index);
        expect((await target.http('PUT', `/v1/kv/${key}?acquire=${next}`, 'y')).text).toBe('true');
      } finally {
        await destroy(target, next);
        await target.http('DELETE', `/v1/kv/${key}`);
      }
    },
  },
  {
    title:
      'a failed node: serfHealth-bound sessions destroyed at once (keys by behavior, lock-delay armed), unbound ones kept; its agent holds requests, then 500; a deregistered node loses every session',
    needsSimulator: 'it fails and deregisters a node',
    async run(target, prefix) {
      const sim = simulatorOf(target);
      const agent = await sim.addAgent('host-x');
      const viaAgent = async (method: string, path: string, body?: string) => {
        const response = await fetch(`${agent.address}${path}`, {
          method,
          ...(body === undefined ? {} : { body }),
        });
        return { status: response.status, text: await response.text() };
      };
      const bound = (
        JSON.parse(
          (await viaAgent('PUT', '/v1/session/create', '{"TTL":"10s","Behavior":"delete","LockDelay":"3s"}'))
            .text,
        ) as { ID: string }
      ).ID;
      const unbound = (
        JSON.parse((await viaAgent('PUT', '/v1/session/create', '{"TTL":"10s","Checks":[]}')).text) as {
          ID: string;
        }
      ).ID;
      const elsewhere = await session(target, { TTL: '10s' });
      expect(sim.state.session(bound)?.node).toBe('host-x');
      await target.http('PUT', `/v1/kv/${prefix}/held?acquire=${bound}`, 'x');
      expect(sim.failNode('host-x')).toEqual([bound]);
      expect(sim.state.session(bound)).toBeUndefined();
      expect(sim.state.session(unbound)).toBeDefined();
      expect(sim.state.session(elsewhere)).toBeDefined();
      expect(sim.state.kv.get(`${prefix}/held`)).toBeUndefined();
      expect(sim.state.lockDelayEnd(`${prefix}/held`)).toBeGreaterThan(Date.now());
      // The failed node's agent reaches no server: held for holdMs, then 500.
      const cut = await viaAgent('GET', `/v1/kv/${prefix}/held`);
      expect([cut.status, cut.text]).toEqual([500, 'rpc error making call: No known Consul servers']);
      sim.healNode('host-x');
      expect(sim.state.deregisterNode('host-x')).toEqual([unbound]);
      await destroy(target, elsewhere);
    },
  },
  {
    title:
      'no cluster leader: a request is held (rpc_hold_timeout) and answers 500 "No cluster leader" only when the hold runs out; a leader elected meanwhile serves it',
    needsSimulator: 'it takes the leader away',
    async run(target, prefix) {
      const sim = simulatorOf(target);
      sim.loseLeader();
      const from = performance.now();
      const failed = await target.http('GET', `/v1/kv/${prefix}/x`);
      expect([failed.status, failed.text]).toEqual([500, 'No cluster leader']);
      expect(performance.now() - from).toBeGreaterThanOrEqual(250);
      expect((await target.http('GET', '/v1/status/leader')).text).toBe('""');
      const pending = target.http('PUT', `/v1/kv/${prefix}/x`, 'v');
      await waitFor(() => sim.heldRequests() === 1, { timeoutMs: 1_000, message: 'the write to be held' });
      sim.electLeader();
      expect((await pending).text).toBe('true');
    },
  },
  {
    title: 'rate limits: 429 with an empty body (ErrRPCRateExceeded); 503 for writes only (ErrRetryLater)',
    needsSimulator: 'it switches the rate limits on',
    async run(target, prefix) {
      const sim = simulatorOf(target);
      sim.faults.rateLimited = true;
      const limited = await target.http('GET', `/v1/kv/${prefix}/x`);
      expect([limited.status, limited.text]).toEqual([429, '']);
      sim.faults.rateLimited = false;
      sim.faults.retryLater = true;
      expect((await target.http('GET', `/v1/kv/${prefix}/x`)).status).toBe(404);
      const write = await target.http('PUT', `/v1/kv/${prefix}/x`, 'v');
      expect(write.status).toBe(503);
      expect(write.text).toMatch(/only be performed by the leader, try again later/);
      sim.faults.retryLater = false;
    },
  },
];

/** Registers every case; `simulator: false` lists the simulator-only ones as skipped, with why. */
export function registerConformanceCases(
  title: string,
  createTarget: () => Promise<ConsulTarget>,
  options: { readonly simulator: boolean },
): void {
  describe.concurrent(title, () => {
    for (const item of conformanceCases) {
      if (item.needsSimulator && !options.simulator) {
        it.skip(`${item.title} [skipped: needs the simulator, ${item.needsSimulator}]`, () => {});
        continue;
      }
      it(
        item.title,
        async () => {
          const target = await createTarget();
          const prefix = `${target.membershipOptions().prefix ?? 'election'}/${uniqueElection('conformance')}`;
          try {
            await item.run(target, prefix);
          } finally {
            await target.http('DELETE', `/v1/kv/${prefix}?recurse`).catch(() => undefined);
            await target.close();
          }
        },
        item.timeoutMs ?? 20_000,
      );
    }
  });
}
