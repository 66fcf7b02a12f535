import { fileURLToPath } from 'node:url';
import { waitFor } from '@election/testing';
import { spawnScript } from '@election/tools';
import { describe, expect, it } from 'vitest';
import { type ConsulSimulator, startConsulSimulator } from '../support/consul-simulator.js';
import { uniqueElection } from '../support/consul-target.js';

const script = fileURLToPath(new URL('../support/readme-node.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('../support/tsconfig.child.json', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

interface ChildRecord {
  readonly type: string;
  readonly at: number;
}

/**
 * The README's example in its own process (test/support/readme-node.ts): a process whose only work
 * is the elector must end by itself once `stop()` has resolved, with no `process.exit`. The
 * simulator runs in this (the test) process.
 */
async function runUntilExit(sim: ConsulSimulator, beforeSigterm: () => Promise<void>): Promise<number> {
  const records: ChildRecord[] = [];
  const child = spawnScript({
    script,
    cwd: repoRoot,
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: tsconfig,
      CONSUL_PORT: String(sim.port),
      ELECTION: uniqueElection('exit'),
      NODE_ID: 'node-1',
    },
    onJson: (record) => records.push(record as unknown as ChildRecord),
  });
  const describeChild = () => `records=${JSON.stringify(records)} stderr=${child.stderrTail()}`;
  try {
    await waitFor(() => records.some((r) => r.type === 'elected'), {
      timeoutMs: 15_000,
      message: 'the child to lead',
      describe: describeChild,
    });
    await beforeSigterm();
    child.signal('SIGTERM');
    await waitFor(() => !child.alive, {
      timeoutMs: 8_000,
      message: 'the child to exit by itself',
      describe: describeChild,
    });
    const stopped = records.find((r) => r.type === 'stopped');
    const exit = records.find((r) => r.type === 'exit');
    if (!stopped || !exit) throw new Error(`the child did not report stop and exit: ${describeChild()}`);
    return exit.at - stopped.at;
  } finally {
    await child.dispose();
  }
}

describe.concurrent('a process running only the README example (elector on the Consul simulator)', () => {
  it('exits by itself within 1 s of stop() resolving after SIGTERM', async () => {
    const sim = await startConsulSimulator();
    try {
      const ms = await runUntilExit(sim, async () => {});
      console.info(
        `[shutdown figure] Consul simulator: process exit ${ms.toFixed(1)} ms after stop() resolved`,
      );
      expect(ms).toBeLessThan(1_000);
      // It resigned: nothing of it is left in Consul.
      expect(sim.state.allSessions()).toEqual([]);
    } finally {
      await sim.close();
    }
  }, 30_000);

  it('exits by itself within 1 s of stop() resolving when the agent is unreachable at SIGTERM', async () => {
    const sim = await startConsulSimulator();
    try {
      const ms = await runUntilExit(sim, () => sim.disconnect());
      console.info(
        `[shutdown figure] Consul simulator, agent unreachable: process exit ${ms.toFixed(1)} ms after stop() resolved`,
      );
      expect(ms).toBeLessThan(1_000);
    } finally {
      await sim.close();
    }
  }, 30_000);
});
