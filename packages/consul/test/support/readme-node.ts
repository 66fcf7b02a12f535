/**
 * The README's example, as written there, in a child process: create the membership, create the
 * elector, start it, and `process.once('SIGTERM', () => void elector.stop())`. Nothing calls
 * `process.exit`: the test checks that the process ends by itself once `stop()` has resolved.
 * Configured by environment (CONSUL_PORT, ELECTION, NODE_ID); it reports on stdout in JSON lines
 * what the test measures: when it led, when the elector stopped, and when the process exits.
 */

import { createConsulMembership } from '@election/consul';
import { createElector } from '@election/core';

const now = () => performance.timeOrigin + performance.now();
const print = (record: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(record)}\n`);

const id = process.env.NODE_ID ?? 'node-1';
const elector = createElector({
  id,
  membership: createConsulMembership({
    host: '127.0.0.1',
    port: Number(process.env.CONSUL_PORT),
    election: process.env.ELECTION ?? 'billing-jobs',
  }),
});

elector.on('elected', ({ term }) => print({ type: 'elected', term: String(term), at: now() }));
elector.on('phase', ({ phase }) => {
  if (phase === 'stopped') print({ type: 'stopped', at: now() });
});
process.on('exit', () => print({ type: 'exit', at: now() }));

await elector.start();
print({ type: 'started', at: now() });
process.once('SIGTERM', () => void elector.stop());
process.once('SIGINT', () => void elector.stop());
