import {
  type EtcdServer,
  findOnPath,
  freePorts,
  type PostgresServer,
  startEtcd,
  startPostgres,
} from '@election/tools';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsulSimulator,
  startConsulSimulator,
} from '../../../packages/consul/test/support/consul-simulator.js';
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

/**
 * `election-node list` on every backend: the same columns (like `patronictl list`), one row per
 * member and never the lister itself, and the process exits by itself once it has printed.
 */
const etcdBinary = findOnPath('etcd');
const spawned: Spawned[] = [];
afterEach(() => killLeftovers(spawned));

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A follower outranked by node-a, with no lease: what every backend's node-b says. */
const FOLLOWER_B =
  /^node-b +\| follower +\| \S* +\| +\| Outranked by node-a: its id sorts first \(UTF-8 byte order\)\.$/;

/** What `list` printed: its title, then the one table every backend prints. */
function expectTable(out: string, title: RegExp, rows: readonly RegExp[]): void {
  const lines = out.trimEnd().split('\n');
  expect(lines[0]).toMatch(title);
  expect(lines[1]).toMatch(/^Member +\| Role +\| Term +\| Lease left +\| Why$/);
  expect(lines[2]).toMatch(/^-+-\+-+-\+-+-\+-+-\+-+$/);
  expect(lines.slice(3)).toHaveLength(rows.length); // the lister itself is not listed
  rows.forEach((row, i) => {
    expect(lines[3 + i]).toMatch(row);
  });
}

/** Runs `list` to its end: it must exit 0 by itself (no lingering socket or timer). */
async function list(args: readonly string[]): Promise<string> {
  const lister = spawnCli(['list', ...args]);
  spawned.push(lister);
  const { code } = await lister.exited;
  const out = lister.stdout();
  console.log(`election-node list ${args.join(' ')}: exit ${code}\n${out}${lister.stderr()}`);
  expect(code).toBe(0);
  return out;
}

/** node-a and node-b on a backend, until node-b sees node-a lead; their URLs. */
async function twoNodes(flags: readonly string[]): Promise<string[]> {
  const urls: string[] = [];
  for (const id of ['node-a', 'node-b']) {
    const node = spawnCli(['--id', id, ...flags]);
    spawned.push(node);
    urls.push(await listenUrl(node));
  }
  await waitFor('node-b to see node-a lead', async () => {
    const body = JSON.parse((await getText(`${urls[1]}/status`)).body) as {
      leaderId: string | null;
      members: string[];
    };
    return body.leaderId === 'node-a' && body.members.length === 2 ? body : undefined;
  });
  return urls;
}

/** The lister left: the nodes see two members again, and not even as "gone" in /cluster. */
async function expectListerGone(url: string): Promise<void> {
  await waitFor('the lister to be gone', async () => {
    const body = JSON.parse((await getText(`${url}/status`)).body) as { members: string[] };
    return body.members.length === 2 ? body : undefined;
  });
  const cluster = JSON.parse((await getText(`${url}/cluster`)).body) as {
    members: Array<{ id: string; present: boolean }>;
  };
  // An observer that came and went is not kept.
  expect(cluster.members.map((m) => m.id)).toEqual(['node-a', 'node-b']);
}

describe.skipIf(!etcdBinary)(
  etcdBinary
    ? 'election-node list on etcd (throwaway etcd on loopback)'
    : 'election-node list on etcd: SKIPPED, no etcd on PATH',
  () => {
    let etcd: EtcdServer | undefined;
    beforeAll(async () => {
      requireBuilt(CLI);
      etcd = await startEtcd({ binary: etcdBinary ?? 'etcd' });
    }, 30_000);
    afterAll(async () => etcd?.stop());

    it('prints every member with role, term, lease left and reason, from the backend, and leaves no trace', async () => {
      const endpoint = etcd?.endpoints[0] ?? '';
      const urls = await twoNodes([
        '--backend',
        'etcd',
        '--etcd',
        endpoint,
        '--election',
        'listed',
        '--ttl',
        '3',
      ]);
      const out = await list(['--backend', 'etcd', '--etcd', endpoint, '--election', 'listed']);
      expectTable(
        out,
        new RegExp(`^Election "listed" on etcd at ${literal(endpoint)}: leader node-a, term \\d+$`),
        [/^node-a +\| leader +\| \d+ +\| \d\.\d s +\| Leading, term \d+\.$/, FOLLOWER_B],
      );
      await expectListerGone(urls[0] ?? '');
    }, 30_000);
  },
);

describe('election-node list on PostgreSQL (throwaway PostgreSQL with a password on loopback)', () => {
  let postgres: PostgresServer | undefined;
  beforeAll(async () => {
    requireBuilt(CLI);
    postgres = await startPostgres({ external: false, auth: true });
  }, 60_000);
  afterAll(async () => postgres?.stop());

  it('prints every member with role, term, lease left and reason, never the password, and leaves no trace', async () => {
    const url = postgres?.url ?? '';
    const flags = ['--backend', 'postgres', '--postgres', url, '--election', 'listed'];
    const urls = await twoNodes([...flags, '--ttl', '3']);
    const out = await list(flags);
    expectTable(
      out,
      new RegExp(
        `^Election "listed" on postgres at postgres://127\\.0\\.0\\.1:${postgres?.port}/postgres: leader node-a, term \\d+$`,
      ),
      [/^node-a +\| leader +\| \d+ +\| \d\.\d s +\| Leading, term \d+\.$/, FOLLOWER_B],
    );
    expect(out).not.toContain(postgres?.clientOptions.password as string);
    await expectListerGone(urls[0] ?? '');
  }, 40_000);
});

describe('election-node list on Consul (the Consul HTTP API simulator on loopback)', () => {
  let consul: ConsulSimulator | undefined;
  beforeAll(async () => {
    requireBuilt(CLI);
    consul = await startConsulSimulator();
  });
  afterAll(async () => consul?.close());

  it('prints the same table as on etcd, from the backend, and leaves no trace', async () => {
    const address = consul?.address ?? '';
    // Consul's shortest session TTL is 10 s.
    const urls = await twoNodes([
      '--backend',
      'consul',
      '--consul',
      address,
      '--election',
      'listed',
      '--ttl',
      '10',
    ]);
    const out = await list(['--backend', 'consul', '--consul', address, '--election', 'listed']);
    expectTable(
      out,
      new RegExp(`^Election "listed" on consul at ${literal(address)}: leader node-a, term \\d+$`),
      [/^node-a +\| leader +\| \d+ +\| \d+\.\d s +\| Leading, term \d+\.$/, FOLLOWER_B],
    );
    await expectListerGone(urls[0] ?? '');
    // The lister's session is destroyed on the way out, not left to expire.
    expect(consul?.state.allSessions()).toHaveLength(2);
  }, 30_000);
});

describe('election-node list on static peers', () => {
  it('asks each peer for its status, prints the same table, and says why one has none', async () => {
    requireBuilt(CLI);
    const ports = await freePorts(2);
    const [urlA, urlB] = ports.map((port) => `http://127.0.0.1:${port}`);
    const peers = `node-a=${urlA},node-b=${urlB}`;
    const a = spawnCli(['--id', 'node-a', '--listen', `127.0.0.1:${ports[0]}`, '--peers', peers]);
    spawned.push(a);
    await listenUrl(a);
    await waitFor('node-a to lead', async () => {
      const body = JSON.parse((await getText(`${urlA}/status`)).body) as { isLeader: boolean };
      return body.isLeader ? body : undefined;
    });
    // node-b is listed but not running.
    const out = await list(['--peers', peers]);
    expectTable(out, /^Election on 2 static peers: leader node-a$/, [
      /^node-a +\| leader +\| +\| +\| Leading \(view mode, no fencing token\)\.$/,
      /^node-b +\| member +\| +\| +\| No status: unreachable \(ECONNREFUSED\)\.$/,
    ]);
  }, 30_000);
});

describe('election-node list on a bad or unreachable backend', () => {
  // The node itself says these things in flags and exits 2 on a usage error; so must list.
  it('names the flag to change (--start-timeout, in seconds), not the library option', async () => {
    requireBuilt(CLI);
    const [port] = await freePorts(1);
    const lister = spawnCli([
      'list',
      '--backend',
      'consul',
      '--consul',
      `http://127.0.0.1:${port}`,
      '--start-timeout',
      '1',
    ]);
    spawned.push(lister);
    const { code } = await lister.exited;
    const err = lister.stderr();
    console.log(`list on an unreachable Consul: exit ${code}: ${err.trim()}`);
    expect(code).toBe(1);
    expect(err).toContain('--start-timeout');
    expect(err).not.toContain('startTimeoutMs');
  }, 30_000);

  it('exits 2 on a usage error (credentials in --etcd), as the node does, without printing them', async () => {
    requireBuilt(CLI);
    const lister = spawnCli(['list', '--backend', 'etcd', '--etcd', 'http://admin:review-pass@127.0.0.1:1']);
    spawned.push(lister);
    const { code } = await lister.exited;
    const out = `${lister.stdout()}${lister.stderr()}`;
    expect(out).not.toContain('review-pass');
    expect(code).toBe(2);
  }, 30_000);
});
