import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type EtcdServer,
  findOnPath,
  freePorts,
  type PostgresServer,
  postgresBinDir,
  startEtcd,
  startPostgres,
  type TestServer,
} from '@election/tools';
import { LiveView, seconds } from './demo/live-view.js';
import { type NodeProcess, spawnNode, stopProcess } from './demo/processes.js';
import { bold, cyan, dim, green, red } from './demo/style.js';

/** The whole demo must finish well inside a minute; past this it gives up and says so. */
const DEMO_BUDGET_MS = 55_000;
/** Per step (election, failover, hand-back); etcd's and PostgreSQL's failover wait for a 2 s TTL. */
const STEP_TIMEOUT_MS = 15_000;
const IDS = ['node-1', 'node-2', 'node-3'] as const;
/** After each step the view keeps running this long: time to read it, and proof that it holds still. */
const HOLD_MS = 1000;

type DemoBackend = 'static' | 'etcd' | 'postgres';

const print = (line = '') => process.stdout.write(`${line}\n`);
const began = performance.now();
const elapsed = () => performance.now() - began;

const USAGE = 'Usage: pnpm demo [--backend static|etcd|postgres] [--keep]';

/** `--keep`: after the hand-back, the cluster keeps running (to look at the live pages) until Ctrl-C. */
function parseDemoArgs(argv: readonly string[]): { backend: DemoBackend; keep: boolean } {
  let parsed: { values: { backend?: string; keep?: boolean } };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { backend: { type: 'string', default: 'static' }, keep: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    });
  } catch {
    parsed = { values: { backend: undefined } };
  }
  const { backend, keep = false } = parsed.values;
  if (backend !== 'static' && backend !== 'etcd' && backend !== 'postgres') {
    process.stderr.write(`demo: unexpected arguments "${argv.join(' ')}". ${USAGE}\n`);
    process.exit(2);
  }
  return { backend, keep };
}

/**
 * Per-node CLI flags: static nodes list each other; etcd and PostgreSQL nodes share a fresh
 * election on the demo's one server (`where`: etcd's endpoint or PostgreSQL's URL).
 */
function nodeArgs(backend: DemoBackend, ports: readonly number[], where: string) {
  const url = (i: number) => `http://127.0.0.1:${ports[i]}`;
  const election = `demo-${process.pid}`;
  return (i: number): string[] => {
    const common = ['--id', IDS[i] ?? '', '--listen', `127.0.0.1:${ports[i]}`, '--log-level', 'info'];
    if (backend !== 'static')
      return [...common, '--backend', backend, `--${backend}`, where, '--election', election, '--ttl', '2'];
    const peers = IDS.flatMap((id, j) => (j === i ? [] : [`${id}=${url(j)}`])).join(',');
    return [...common, '--peers', peers];
  };
}

/** Echoes the one log line per leadership change that each node writes. */
function onNodeLog(id: string, line: string): void {
  let entry: { event?: string; leaderId?: string | null; reason?: string; term?: string | null };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return;
  }
  if (entry.event !== 'leader-changed') return;
  const term = entry.term ? `, term ${entry.term}` : '';
  print(dim(`           ${id} log: leader → ${entry.leaderId ?? 'none'} (${entry.reason}${term})`));
}

async function main(): Promise<void> {
  const { backend, keep } = parseDemoArgs(process.argv.slice(2));
  const cliPath = fileURLToPath(new URL('./cli.js', import.meta.url));
  let server: TestServer | undefined;
  const running = new Map<string, NodeProcess>();
  const cleanup = async () => {
    await Promise.all([...running.values()].map((node) => stopProcess(node, 'SIGKILL')));
    await server?.stop();
  };
  const budget = setTimeout(() => {
    print(red(`demo: did not finish within ${seconds(DEMO_BUDGET_MS)}; stopping everything.`));
    void cleanup().finally(() => process.exit(1));
  }, DEMO_BUDGET_MS);
  let kept: (() => void) | undefined;
  process.once('SIGINT', () => {
    // With --keep, Ctrl-C after the hand-back is the normal way on: a clean shutdown follows.
    if (kept) return kept();
    void cleanup().finally(() => process.exit(130));
  });

  print(bold(`election-node demo: ${IDS.length} nodes on the ${backend} backend, all on 127.0.0.1`));
  let where = '';
  if (backend === 'etcd') {
    const etcd = await startThrowawayEtcd();
    server = etcd;
    where = etcd.endpoints[0] ?? '';
  } else if (backend === 'postgres') {
    const postgres = await startThrowawayPostgres();
    server = postgres;
    where = postgres.url;
  } else {
    print(dim('  static member list, liveness by HTTP probes of /healthz, view mode (no fencing token)'));
  }

  const ports = await freePorts(IDS.length);
  const argsFor = nodeArgs(backend, ports, where);
  const nodes = IDS.map((id, i) => ({ id, url: `http://127.0.0.1:${ports[i]}` }));
  const start = (i: number) => {
    const id = IDS[i] ?? '';
    running.set(
      id,
      spawnNode(id, {
        cliPath,
        args: argsFor(i),
        onLog: onNodeLog,
        onError: (nodeId, line) => print(red(`           ${nodeId} stderr: ${line}`)),
      }),
    );
  };
  const view = new LiveView({ nodes, intervalMs: 150, print, elapsed });
  const hold = async (leader: string) => {
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    const now = view.agreedLeader();
    if (now !== leader)
      throw new Error(`leadership did not hold still: expected ${leader}, now ${now ?? 'no agreement'}`);
  };

  try {
    print();
    print(cyan(`» starting ${IDS.join(', ')}`));
    print(
      `  live page of each node (open one in a browser: it updates by itself${keep ? '' : '; `pnpm demo --keep` keeps them up at the end'}):`,
    );
    for (const node of nodes) print(`    ${node.id}  ${node.url}/`);
    for (let i = 0; i < IDS.length; i++) start(i);
    view.start();
    const first = await view.waitForAgreement(3, STEP_TIMEOUT_MS);
    print(green(`✔ ${first} leads and all three nodes agree (${seconds(elapsed())} after start)`));
    await hold(first);

    print();
    print(
      cyan(`» killing the leader ${first} with SIGKILL (no goodbye: its peers must notice by themselves)`),
    );
    const killedAt = performance.now();
    const leaderProcess = running.get(first);
    if (leaderProcess) await stopProcess(leaderProcess, 'SIGKILL');
    running.delete(first);
    const second = await view.waitForAgreement(2, STEP_TIMEOUT_MS);
    print(green(`✔ failover: ${second} leads, ${seconds(performance.now() - killedAt)} after the kill`));
    await hold(second);

    print();
    print(cyan(`» restarting ${first}; it ranks first, so leadership goes back to it`));
    const restartedAt = performance.now();
    start(IDS.indexOf(first as (typeof IDS)[number]));
    await view.waitForAgreement(3, STEP_TIMEOUT_MS, first);
    print(
      green(
        `✔ hand-back: ${first} leads again, ${seconds(performance.now() - restartedAt)} after the restart`,
      ),
    );
    await hold(first);

    if (keep) {
      clearTimeout(budget);
      print();
      print(cyan('» --keep: the cluster keeps running; open a live page above, Ctrl-C to stop it'));
      await new Promise<void>((resolve) => {
        kept = resolve;
      });
    }

    print();
    print(cyan('» stopping every node with SIGTERM (each resigns and leaves)'));
    view.stop();
    const exits = await Promise.all([...running.values()].map((node) => stopProcess(node, 'SIGTERM')));
    const ids = [...running.keys()];
    running.clear();
    let clean = true;
    exits.forEach((exit, i) => {
      const ok = exit.code === 0;
      clean &&= ok;
      print(
        `  ${ids[i]} exited with ${exit.code ?? exit.signal} in ${exit.ms} ms ${ok ? green('✔') : red('✖')}`,
      );
    });
    await server?.stop();
    server = undefined;
    print();
    print(bold(`Leader after each step: ${view.history.join(' → ')}`));
    print(`Done in ${seconds(elapsed())}.`);
    clearTimeout(budget);
    process.exit(clean ? 0 : 1);
  } catch (error) {
    view.stop();
    print(red(`demo failed: ${error instanceof Error ? error.message : String(error)}`));
    await cleanup();
    process.exit(1);
  }
}

/** A throwaway etcd in a temp dir on free loopback ports, even when ETCD_ENDPOINTS is set. */
async function startThrowawayEtcd(): Promise<EtcdServer> {
  const binary = findOnPath('etcd');
  if (!binary) {
    process.stderr.write('demo: `etcd` is not on PATH. Install etcd 3.4+ or run `pnpm demo` (static).\n');
    process.exit(1);
  }
  const etcd = await startEtcd({ binary, external: false });
  print(dim(`  throwaway etcd (${binary}) on ${etcd.endpoints[0]}, deleted at the end`));
  return etcd;
}

/**
 * A throwaway PostgreSQL (initdb in a temp dir, a free loopback port), even when POSTGRES_URL is
 * set; when PostgreSQL is not installed, says so and exits 1.
 */
async function startThrowawayPostgres(): Promise<PostgresServer> {
  const binDir = await postgresBinDir().catch(() => undefined);
  const missing = ['initdb', 'postgres', 'pg_isready'].filter(
    (name) => !binDir || !existsSync(join(binDir, name)),
  );
  if (binDir === undefined || missing.length > 0) {
    const where =
      binDir === undefined ? '`pg_config` is not on PATH' : `${missing.join(', ')} not in ${binDir}`;
    process.stderr.write(
      `demo: PostgreSQL is not installed (${where}). Install PostgreSQL 12+ (Debian: apt install postgresql-15), set POSTGRES_BINDIR to its bin directory, or run \`pnpm demo\` (static).\n`,
    );
    process.exit(1);
  }
  const postgres = await startPostgres({ binDir, external: false });
  print(
    dim(
      `  throwaway PostgreSQL (${binDir}) on 127.0.0.1:${postgres.port}, a temp data dir deleted at the end`,
    ),
  );
  return postgres;
}

void main();
