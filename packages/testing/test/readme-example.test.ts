// The README's "test your own code" example, kept here verbatim so it is known to run.
import { createElector, runWhileLeader } from '@election/core';
import { createManualClock, createMemoryCluster, waitFor } from '@election/testing';
import { expect, it } from 'vitest';

it('fails over to node-2 when node-1 is cut off, and fences the old leader out', async () => {
  const clock = createManualClock();
  const cluster = createMemoryCluster({ clock });
  const start = async (id: string) => {
    const elector = createElector({ id, membership: cluster.backend(), clock, ttlMs: 3000 });
    await elector.start();
    return elector;
  };
  const node1 = await start('node-1');
  const node2 = await start('node-2');
  await waitFor(() => node1.state.isLeader, { clock, timeoutMs: 1000, message: 'node-1 leads' });

  // The code under test: leader-only work that stamps its writes with the fencing term.
  const writes: Array<{ by: string; term: bigint | null }> = [];
  for (const node of [node1, node2]) {
    void runWhileLeader(node, async (signal, term) => {
      while (!signal.aborted) {
        writes.push({ by: node.id, term });
        await new Promise((resolve) => clock.setTimer(() => resolve(undefined), 100));
      }
    });
  }

  cluster.partition('node-1'); // node-1's renewals stop reaching the server
  await waitFor(() => node2.state.isLeader, { clock, timeoutMs: 5000, message: 'node-2 takes over' });
  expect(node1.state.isLeader).toBe(false); // it stepped down by its own lease deadline
  expect(cluster.lockHolder()?.id).toBe('node-2');
  const firstByNode2 = writes.findIndex((write) => write.by === 'node-2');
  expect(writes.slice(firstByNode2).every((write) => write.by === 'node-2')).toBe(true);
  expect(writes.at(-1)?.term).toBeGreaterThan(writes[0]?.term ?? 0n);

  await Promise.all([node1.stop(), node2.stop()]);
  cluster.dispose();
});
