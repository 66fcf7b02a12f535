import { fileURLToPath } from 'node:url';
import { waitFor } from '@election/testing';
import { spawnScript } from '@election/tools';
import Consul from 'consul';
import { describe, expect, it } from 'vitest';
import { startConsulSimulator } from '../support/consul-simulator.js';
import { uniqueElection } from '../support/consul-target.js';

const script = fileURLToPath(new URL('../support/readme-node.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('../support/tsconfig.child.json', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Found in review: a follower parked in a lock-delay (its LockDelayTracker timer armed for 30 s) must
 * still exit by itself within 1 s of stop() resolving.
 */
describe('exit after stop() while parked in a lock-delay', () => {
  it('exits within 1 s of stop() although a 30 s lock-delay timer was armed', async () => {
    const sim = await startConsulSimulator();
    const admin = new Consul({ host: sim.host, port: sim.port });
    const election = uniqueElection('exit-parked');
    const leaderKey = `election/${election}/leader`;
    const records: Array<{ type: string; at: number }> = [];
    // A ghost holder with a 30 s lock-delay holds the leader key before the child starts.
    const created = (await admin.session.create({ ttl: '60s', lockdelay: '30s', behavior: 'delete' })) as {
      ID: string;
    };
    await admin.kv.set({
      key: leaderKey,
      value: JSON.stringify({ id: 'ghost', lockDelayMs: 30_000 }),
      acquire: created.ID,
    });
    const child = spawnScript({
      script,
      cwd: repoRoot,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: tsconfig,
        CONSUL_PORT: String(sim.port),
        ELECTION: election,
        NODE_ID: 'node-1',
      },
      onJson: (record) => records.push(record as unknown as { type: string; at: number }),
    });
    const describeChild = () => `records=${JSON.stringify(records)} stderr=${child.stderrTail()}`;
    try {
      await waitFor(() => records.some((r) => r.type === 'started'), {
        timeoutMs: 15_000,
        message: 'the child to start',
        describe: describeChild,
      });
      await admin.session.destroy(created.ID); // key deleted, 30 s lock-delay armed
      const acquiresBefore = () =>
        sim.requests.filter((r) => r.method === 'PUT' && r.query.has('acquire') && r.path.endsWith('/leader'))
          .length;
      await waitFor(() => acquiresBefore() >= 1, {
        timeoutMs: 5_000,
        message: 'the child to be refused an acquire (parked)',
        describe: describeChild,
      });
      expect(records.some((r) => r.type === 'elected')).toBe(false);
      child.signal('SIGTERM');
      await waitFor(() => !child.alive, { timeoutMs: 8_000, message: 'exit', describe: describeChild });
      const stopped = records.find((r) => r.type === 'stopped');
      const exit = records.find((r) => r.type === 'exit');
      expect(stopped && exit).toBeTruthy();
      expect((exit?.at ?? 0) - (stopped?.at ?? 0)).toBeLessThan(1_000);
    } finally {
      await child.dispose();
      admin.destroy();
      await sim.close();
    }
  }, 40_000);
});
