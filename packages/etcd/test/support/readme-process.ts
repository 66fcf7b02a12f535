/**
 * The package README's example, line for line (endpoints from ETCD_ENDPOINTS, as the README
 * reads them). Two lines are added for the test, marked below: they print when `stop()` resolves
 * and change nothing else. The process has no `process.exit`: it must end by itself.
 */
import { createElector } from '@election/core';
import { createEtcdMembership } from '@election/etcd';

const elector = createElector({
  id: process.env.NODE_ID ?? 'node-1',
  membership: createEtcdMembership({
    endpoints: process.env.ETCD_ENDPOINTS?.split(',') ?? ['http://127.0.0.1:2379'],
    election: 'billing',
  }),
  ttlMs: 5000, // whole seconds, at least 2000
});

elector.on('elected', ({ term }) => console.log(`leading, fencing token ${term}`));
elector.on('demoted', ({ reason }) => console.log(`no longer leading: ${reason}`));

await elector.start();
process.once('SIGTERM', () => void elector.stop()); // resigns: the next node takes over at once

// Added for the test: stop() returns the same promise to every caller, so this only observes it.
const now = () => performance.timeOrigin + performance.now();
process.once(
  'SIGTERM',
  () => void elector.stop().then(() => console.log(JSON.stringify({ stoppedAt: now() }))),
);
