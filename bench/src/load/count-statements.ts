import type { NodeProcess } from '../util/node-process.js';
import { delay } from '../util/wait-for.js';
import type { LoadRow } from './measure-load.js';

/** Asks every node for its statement counts (statement-counter.ts); resolves with their sum by name. */
async function totals(nodes: readonly NodeProcess[]): Promise<Map<string, number>> {
  const replies = await Promise.all(
    nodes.map((node) => {
      const mark = node.events.length;
      node.send({ cmd: 'statements' });
      return node.waitForEvent((event) => event.type === 'statements', 10_000, mark);
    }),
  );
  const sum = new Map<string, number>();
  for (const reply of replies) {
    for (const [name, count] of Object.entries(reply.counts as Record<string, number>))
      sum.set(name, (sum.get(name) ?? 0) + count);
  }
  return sum;
}

/**
 * Steady-state load of PostgreSQL nodes, counted on the client: the statements the nodes sent
 * (every `pg.Client` query, by the schema function it calls) over a quiet window, scaled to one
 * node and one minute. Same window and shape as etcd's server-side count.
 */
export async function measureStatements(
  label: string,
  nodes: readonly NodeProcess[],
  windowMs: number,
): Promise<LoadRow> {
  const before = await totals(nodes);
  const started = performance.now();
  await delay(windowMs);
  const after = await totals(nodes);
  const elapsed = performance.now() - started;
  const perNodePerMinute = new Map<string, number>();
  for (const [name, count] of after) {
    const delta = count - (before.get(name) ?? 0);
    if (delta > 0) perNodePerMinute.set(name, (delta / nodes.length) * (60_000 / elapsed));
  }
  return { label, nodes: nodes.length, windowMs: elapsed, perNodePerMinute };
}
