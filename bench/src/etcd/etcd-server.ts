import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../util/free-port.js';
import { waitFor } from '../util/wait-for.js';

export interface EtcdServer {
  /** Client URL on loopback, e.g. http://127.0.0.1:23790 (also serves /metrics). */
  readonly endpoint: string;
  /** Signal the etcd process (SIGKILL to crash it). Resolves once it exited for SIGKILL/SIGTERM. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Start etcd again on the same ports and data dir (after a kill), and wait until healthy. */
  restart(): Promise<void>;
  /** Stop etcd and delete its data dir. */
  stop(): Promise<void>;
}

const ETCD_BINARY = process.env.ETCD_BIN ?? '/usr/bin/etcd';

/**
 * A single-member etcd on free loopback ports with a temp data dir, for the benchmarks and the chaos
 * run. Kept here (not the etcd package's test harness) because the bench needs restart-on-same-ports
 * after SIGKILL and must run outside vitest.
 */
export async function startEtcd(): Promise<EtcdServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'election-bench-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name=bench',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=bench=${peer}`,
    '--log-level=error',
    '--logger=zap',
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    const proc = spawn(ETCD_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    child = proc;
    await waitFor(
      `etcd healthy at ${endpoint}`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`etcd exited with ${proc.exitCode}: ${stderr}`);
        return (await isHealthy(endpoint)) ? true : undefined;
      },
      15_000,
      50,
    );
  };

  await launch();
  return {
    endpoint,
    async kill(signal) {
      const proc = child;
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      if (signal === 'SIGKILL' || signal === 'SIGTERM') await exited;
    },
    async restart() {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        throw new Error('etcd is still running; kill it before restart()');
      }
      await launch();
    },
    async stop() {
      const proc = child;
      if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function isHealthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    if (!response.ok) return false;
    const body = (await response.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}
