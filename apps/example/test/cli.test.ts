import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  getText,
  killLeftovers,
  listenUrl,
  requireBuilt,
  type Spawned,
  spawnCli,
  terminateCleanly,
  waitFor,
} from './helpers.js';

const spawned: Spawned[] = [];
const cli = (args: string[], env?: NodeJS.ProcessEnv) => {
  const node = spawnCli(args, env);
  spawned.push(node);
  return node;
};

beforeAll(() => requireBuilt(CLI));
afterEach(() => killLeftovers(spawned));

describe('election-node flags (spawned)', () => {
  it('exits 2 on an unknown flag, naming it', async () => {
    const node = cli(['--id', 'a', '--frobnicate']);
    expect((await node.exited).code).toBe(2);
    expect(node.stderr()).toMatch(/unknown flag --frobnicate/);
  });

  it('exits 2 on a bad value from an environment variable, naming the variable', async () => {
    const node = cli(['--id', 'a'], { ELECTION_TTL: 'never' });
    expect((await node.exited).code).toBe(2);
    expect(node.stderr()).toMatch(/ELECTION_TTL: "never" is not a number of seconds/);
  });

  it('exits 2 when --id is missing', async () => {
    const node = cli([]);
    expect((await node.exited).code).toBe(2);
    expect(node.stderr()).toMatch(/--id is required/);
  });

  it('prints the usage for --help and exits 0', async () => {
    const node = cli(['--help']);
    expect((await node.exited).code).toBe(0);
    expect(node.stdout()).toMatch(/^election-node: /);
    for (const flag of [
      '--id',
      '--backend',
      '--peers',
      '--etcd',
      '--consul',
      '--election',
      '--ttl',
      '--start-timeout',
      '--takeover',
      '--mode',
    ]) {
      expect(node.stdout()).toContain(flag);
    }
    expect(node.stdout()).toContain('ELECTION_LOG_LEVEL');
    expect(node.stdout()).toContain('ELECTION_START_TIMEOUT');
    // When --takeover is safe: one process per id.
    expect(node.stdout()).toMatch(/--takeover[\s\S]*Safe only[\s\S]*one process\s+per id[\s\S]*StatefulSet/);
    expect(node.stdout()).not.toMatch(/consul[^\n]*2379/i);
  });

  it('exits 2 on a TTL the backend cannot take, speaking in seconds as the user wrote it', async () => {
    // No etcd is needed: the TTL is checked before anything connects.
    const node = cli(['--id', 'a', '--backend', 'etcd', '--etcd', 'http://127.0.0.1:1', '--ttl', '1.5']);
    expect((await node.exited).code).toBe(2);
    expect(node.stderr()).toMatch(
      /^election-node: --ttl 1\.5: etcd needs a whole number of seconds between 2 and 86400; use 2\.$/m,
    );
    expect(node.stderr()).not.toMatch(/ttlMs|1500/);
  });
});

describe('a running node (spawned)', () => {
  it('prints its listen address, serves the HTTP contract, and exits 0 within 2 s of SIGTERM', async () => {
    const node = cli(['--id', 'a', '--listen', '127.0.0.1:0']);
    const url = await listenUrl(node);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await waitFor('readyz 200', async () => (await getText(`${url}/readyz`)).status === 200);
    expect(JSON.parse((await getText(`${url}/status`)).body)).toMatchObject({ id: 'a', isLeader: true });
    expect((await getText(`${url}/metrics`)).body).toMatch(/^election_is_leader\{election="default"\} 1$/m);

    // Ends by itself: nothing left open after "stopped", no process.exit (its watchdog exits 1).
    const { afterSignalMs, afterStoppedMs } = await terminateCleanly(node);
    console.log(
      `static CLI: exit ${afterSignalMs.toFixed(0)} ms after SIGTERM, ${afterStoppedMs.toFixed(0)} ms after "stopped"`,
    );
    expect(afterSignalMs).toBeLessThan(2000);
    expect(afterStoppedMs).toBeLessThan(1000);
    expect(node.logs.map((line) => line.event)).toEqual(expect.arrayContaining(['shutdown', 'stopped']));
  });

  it('on SIGINT resigns: its peer drops it and takes over', async () => {
    const a = cli(['--id', 'a', '--ttl', '0.6']);
    const aUrl = await listenUrl(a);
    const b = cli(['--id', 'b', '--ttl', '0.6', '--peers', `a=${aUrl}`]);
    const bUrl = await listenUrl(b);
    const statusOf = async (url: string) => JSON.parse((await getText(`${url}/status`)).body);
    await waitFor('b to follow a', async () => (await statusOf(bUrl)).leaderId === 'a');

    a.child.kill('SIGINT');
    expect((await a.exited).code).toBe(0);
    // The static registration is gone when the peers no longer see the node.
    const after = await waitFor('b to drop a', async () => {
      const status = await statusOf(bUrl);
      return status.members.includes('a') ? undefined : status;
    });
    expect(after).toMatchObject({ leaderId: 'b', isLeader: true, members: ['b'] });
    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('exits 1 with a clear message when the listen address is taken', async () => {
    const first = cli(['--id', 'a']);
    const url = await listenUrl(first);
    const second = cli(['--id', 'b', '--listen', url.replace('http://', '')]);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toMatch(/EADDRINUSE/);
  });
});
