/**
 * Baseline: the seed's behaviour on etcd. Registers a lease-bound key, and every poll interval (5 s)
 * reads the member list, sorts the ids and takes the first as leader. No watch, no lock, no fencing.
 */
import { compareIds } from '@election/core';
import { Etcd3 } from 'etcd3';
import { type Emit, onGracefulStop, parseNodeArgs } from './node-args.js';
import { describeError, report } from './report.js';

const args = parseNodeArgs();
const emit: Emit = (type, fields) => report(args.id, type, fields);
const pollMs = Number(args.extra.pollMs ?? 5000);
const prefix = `seed/${args.election}/`;
const client = new Etcd3({ hosts: args.endpoint });
const lease = client.lease(args.ttlSeconds);
lease.on('lost', (error) => emit('error', { where: 'lease', message: describeError(error) }));
let leaderId: string | null = null;
let timer: NodeJS.Timeout | undefined;

async function electionCycle(): Promise<void> {
  const ids = await client.getAll().prefix(prefix).keys();
  const sorted = ids.map((key) => key.slice(prefix.length)).sort(compareIds);
  const next = sorted[0] ?? null;
  if (next === leaderId) return;
  const wasLeader = leaderId === args.id;
  leaderId = next;
  emit('leader', { leaderId: next });
  if (next === args.id) emit('elected', { term: null });
  else if (wasLeader) emit('demoted', { reason: 'view-changed' });
}

function cycleSafely(): void {
  electionCycle().catch((error: unknown) => emit('error', { where: 'poll', message: describeError(error) }));
}

onGracefulStop(emit, async () => {
  clearInterval(timer);
  await lease.revoke();
  client.close();
});

await lease.put(`${prefix}${args.id}`).value(args.id);
emit('ready');
// Like tokio's interval: the first tick fires at once, then every poll interval.
cycleSafely();
timer = setInterval(cycleSafely, pollMs);
