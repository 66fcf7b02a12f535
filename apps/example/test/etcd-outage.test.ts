import { fileURLToPath } from 'node:url';
import { type EtcdServer, findOnPath, freePort, startEtcd } from '@election/tools';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  getText,
  killLeftovers,
  listenUrl,
  requireBuilt,
  type Spawned,
  spawnCli,
  waitFor,
} from './helpers.js';

const etcdBinary = findOnPath('etcd');
const spawned: Spawned[] = [];
/**
 * How long etcd stays down. The bar is a rate: under 20 KB of log per 30 s of outage (it was
 * ≈ 135 KB per 30 s: a stack trace every 0.7 s). 10 s of outage checks the same rate (under 6.8 KB in
 * 10 s; the old log wrote ≈ 45 KB in 10 s, so this fails on it as the 30 s did); the node never joined,
 * so no TTL has to run out first. The summary cadence (at most one warning per 30 s) is proven on
 * core's injected clock over 90 s (packages/core/test/outage.test.ts).
 */
const OUTAGE_MS = 10_000;
const OUTAGE_LOG_LIMIT = (20 * 1024 * OUTAGE_MS) / 30_000;

beforeAll(() => requireBuilt(CLI));
afterEach(() => killLeftovers(spawned));

const etcdNode = (endpoint: string, ...extra: string[]) => etcdNodeWith({}, endpoint, ...extra);
const etcdNodeWith = (env: NodeJS.ProcessEnv, endpoint: string, ...extra: string[]) => {
  const node = spawnCli(['--id', 'a', '--backend', 'etcd', '--etcd', endpoint, ...extra], env);
  spawned.push(node);
  return node;
};

/** A preload that keeps a spawned node busy for SLOW_START_MS before it loads: a loaded machine. */
const SLOW_START = fileURLToPath(new URL('./slow-start.cjs', import.meta.url));

describe('election-node with etcd unreachable at start', () => {
  // The second case starts as a loaded machine does (2.5 s before the node's own code runs): the
  // bound is about the node, not about how long the machine takes to load it, so it is measured
  // from the node's own start report.
  it.each([0, 2500])(
    '--start-timeout 4 exits 1 within 6 s of its start, with one message naming etcd and the endpoint (start delayed %i ms)',
    async (slowStartMs) => {
      // A free loopback port with nothing listening: connection refused on every attempt.
      const endpoint = `http://127.0.0.1:${await freePort()}`;
      const started = performance.now();
      const slow = {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${SLOW_START}"`.trim(),
        SLOW_START_MS: String(slowStartMs),
      };
      const node = etcdNodeWith(slowStartMs > 0 ? slow : {}, endpoint, '--start-timeout', '4');
      const exit = await node.exited;
      // From the node's own start report (its 'listening' line, stamped by pino with the wall clock
      // before the elector and its start timeout start) to its exit, as seen here on the same wall
      // clock: the loading before it is the machine's, not the node's.
      const listening = node.logs.find((line) => line.event === 'listening');
      expect(typeof listening?.time).toBe('number');
      // The exit on the wall clock: now, less how long ago it was (timeOrigin + performance.now()
      // drifts from Date.now() in a long-running worker).
      const exitedAt = Date.now() - (performance.now() - exit.at);
      const tookMs = exitedAt - Number(listening?.time);
      console.log(
        `--start-timeout 4: exit code ${exit.code} after ${tookMs.toFixed(0)} ms from its start report (${(exit.at - started).toFixed(0)} ms from spawn)`,
      );
      expect(exit.code).toBe(1);
      expect(tookMs).toBeGreaterThan(4000);
      expect(tookMs).toBeLessThan(6000);
      const message = `could not reach etcd at ${endpoint} within 4 s`;
      expect(node.stderr()).toBe(
        `election-node: ${message}; check that it runs and that this host can reach it, or raise --start-timeout.\n`,
      );
      const failed = node.logs.filter((line) => line.event === 'start-failed');
      expect(failed).toEqual([
        expect.objectContaining({ level: 60, backend: 'etcd', endpoint, code: 'START_TIMEOUT' }),
      ]);
      expect(failed[0]?.msg).toContain(message);
      // It stopped and ended by itself: the last-resort watchdog never fired.
      expect(node.logs.some((line) => line.event === 'stopped')).toBe(true);
      expect(node.stdout()).not.toMatch(/shutdown took too long/);
      // Its own bound is the 6 s above; vitest's default 5 s would cut it short on a loaded machine.
    },
    15_000,
  );
});

describe.skipIf(!etcdBinary)('election-node through a 10 s etcd outage (real etcd on loopback)', () => {
  let etcd: EtcdServer | undefined;
  beforeAll(async () => {
    etcd = await startEtcd({ binary: etcdBinary ?? 'etcd', external: false });
  }, 30_000);
  afterAll(async () => etcd?.stop());

  it('logs under 20 KB per 30 s while etcd is down (10 s here), stays unready, then joins with one recovery line', async () => {
    if (!etcd) throw new Error('etcd did not start');
    const endpoint = etcd.endpoints[0] ?? '';
    // Down before the node starts; its port and data dir stay reserved for the restart.
    await etcd.kill('SIGKILL');
    const started = performance.now();
    const node = etcdNode(endpoint, '--election', 'outage');
    const url = await listenUrl(node);

    // For the whole outage the node is up (healthz) but not ready.
    const outageEnds = started + OUTAGE_MS;
    let readyzChecks = 0;
    while (performance.now() < outageEnds) {
      expect((await getText(`${url}/readyz`)).status).toBe(503);
      readyzChecks++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, outageEnds - performance.now())));
    }
    const outageBytes = node.logBytes();
    const outageLines = node.logs.length;
    console.log(
      `etcd down ${OUTAGE_MS / 1000} s: ${outageBytes} bytes of log in ${outageLines} lines ` +
        `(${Math.round((outageBytes * 60_000) / OUTAGE_MS)} bytes/min); /readyz 503 in ${readyzChecks} checks`,
    );
    expect(outageBytes).toBeLessThan(OUTAGE_LOG_LIMIT);
    // Stack traces belong at debug level only.
    expect(node.stdout()).not.toMatch(/"stack":/);

    // etcd comes back on the same port: the node joins on its own, and says so once.
    await etcd.restart();
    const back = performance.now();
    await waitFor(
      'the node to be ready',
      async () => (await getText(`${url}/readyz`)).status === 200,
      15_000,
    );
    console.log(`joined ${(performance.now() - back).toFixed(0)} ms after etcd was healthy again`);
    expect(node.logs.filter((line) => line.event === 'joined')).toHaveLength(1);
    const recovery = (line: Record<string, unknown>) =>
      line.level === 30 && line.component === 'elector' && /again/.test(String(line.msg));
    await waitFor('the recovery line', () => node.logs.some(recovery), 5000);
    expect(node.logs.filter(recovery)).toHaveLength(1);
    console.log(`recovery line: ${String(node.logs.find(recovery)?.msg)}`);
  }, 60_000);
});
