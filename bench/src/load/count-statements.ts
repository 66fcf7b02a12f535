import type { NodeProcess } from '../util/node-process.js';
import { type LoadRow, measureWindow } from './measure-load.js';

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
export function measureStatements(
  label: string,
  nodes: readonly NodeProcess[],
  windowMs: number,
): Promise<LoadRow> {
  return measureWindow(label, nodes.length, windowMs, () => totals(nodes));
}
