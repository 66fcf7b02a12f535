/**
 * Starts a real etcd (/usr/bin/etcd) for tests and benchmarks: free loopback ports, a temp data
 * dir, optional password auth and TLS with client certificates. `ETCD_ENDPOINTS` points everything
 * at an existing etcd instead; such a server cannot be killed or restarted (`controllable` false).
 *
 *   const etcd = await startEtcd({ auth: true });
 *   ... etcd.endpoints, etcd.clientOptions ...
 *   await etcd.kill('SIGKILL'); await etcd.restart();
 *   await etcd.stop();
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateCertificates, type TestCertificates } from './certificates.js';
import { cleanEnv, externalEtcd, setUpAuth } from './etcd-tools.js';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export const ETCD_BINARY = process.env.ETCD_BINARY ?? '/usr/bin/etcd';
export const ETCDCTL_BINARY = process.env.ETCDCTL_BINARY ?? '/usr/bin/etcdctl';

export interface StartEtcdOptions {
  /** Reuse a data dir (it is then not deleted on stop). Default: a fresh temp dir. */
  readonly dataDir?: string;
  /** Enable etcd auth: a root user, and an `app` user limited to readwrite on `authPrefix`. */
  readonly auth?: boolean;
  /** Key prefix the `app` user may read and write. Default `election/`. */
  readonly authPrefix?: string;
  /** Serve TLS only and require client certificates (`--client-cert-auth`). */
  readonly tls?: boolean;
  /** How long to wait for etcd to report healthy, ms. Default 15000. */
  readonly startTimeoutMs?: number;
  /** The etcd executable. Default: ETCD_BINARY, else /usr/bin/etcd. */
  readonly binary?: string;
  /** Use the etcd named by ETCD_ENDPOINTS when that is set (tests); false always starts one. Default true. */
  readonly external?: boolean;
}

/** Connection options in the shape `createEtcdMembership` takes. */
export interface EtcdClientOptions {
  readonly endpoints: string[];
  readonly auth?: { readonly username: string; readonly password: string };
  readonly tls?: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
}

export interface EtcdServer {
  readonly endpoints: string[];
  /** What a client (the `app` user, when auth is on) should pass to createEtcdMembership. */
  readonly clientOptions: EtcdClientOptions;
  readonly dataDir: string;
  /** False for an external etcd (`ETCD_ENDPOINTS`): kill and restart are not possible. */
  readonly controllable: boolean;
  /** Why it is not controllable, for skip messages. */
  readonly notControllableReason: string | undefined;
  /** Sends `signal` to etcd and, unless it is SIGSTOP or SIGCONT, waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts etcd again on the same ports and data dir, and waits until it is healthy. */
  restart(): Promise<void>;
  /** Runs etcdctl against this server as root; resolves with stdout. */
  etcdctl(...args: string[]): Promise<string>;
  /** Stops etcd and removes what was created (temp dirs, certificates). Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// Last resort: never leave an etcd behind when a test run dies. Kill by pid, only our children.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdServer> {
  const fromEnv = process.env.ETCD_ENDPOINTS;
  if (fromEnv && options.external !== false && !options.auth && !options.tls) return externalEtcd(fromEnv);
  const workDir = mkdtempSync(join(tmpdir(), 'election-etcd-'));
  const dataDir = options.dataDir ?? join(workDir, 'data');
  const certificates = options.tls ? await generateCertificates(join(workDir, 'certs')) : undefined;
  const scheme = certificates ? 'https' : 'http';
  const rootPassword = `root-${process.pid}-${Date.now()}`;
  const appPassword = `app-${process.pid}-${Date.now()}`;
  let clientPort = 0;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;
  let authEnabled = false;

  const endpoint = () => `${scheme}://127.0.0.1:${clientPort}`;
  const etcdctl = async (...args: string[]): Promise<string> => {
    const flags = [`--endpoints=${endpoint()}`, '--dial-timeout=2s', '--command-timeout=5s'];
    if (certificates) {
      flags.push(
        `--cacert=${certificates.caFile}`,
        `--cert=${certificates.clientCertFile}`,
        `--key=${certificates.clientKeyFile}`,
      );
    }
    if (options.auth && authEnabled) flags.push(`--user=root:${rootPassword}`);
    const { stdout } = await run(ETCDCTL_BINARY, [...flags, ...args], {
      env: { ...cleanEnv(), ETCDCTL_API: '3' },
    });
    return stdout;
  };

  const launch = async (peerPort: number): Promise<void> => {
    const client = endpoint();
    const peer = `http://127.0.0.1:${peerPort}`;
    const args = [
      '--name=test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-outputs=stderr',
      '--log-level=error',
    ];
    if (certificates) {
      args.push(
        `--cert-file=${certificates.serverCertFile}`,
        `--key-file=${certificates.serverKeyFile}`,
        `--trusted-ca-file=${certificates.caFile}`,
        '--client-cert-auth',
      );
    }
    const proc = spawn(options.binary ?? ETCD_BINARY, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: cleanEnv(),
    });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    live.add(proc);
    child = proc;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', () => {
        live.delete(proc);
        resolve();
      });
    });
    const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
    let exitedEarly = false;
    void exited.then(() => {
      exitedEarly = true;
    });
    for (;;) {
      if (exitedEarly) throw new Error(`etcd exited during start-up: ${stderr}`);
      if (
        await etcdctl('endpoint', 'health').then(
          () => true,
          () => false,
        )
      )
        return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`etcd did not become healthy at ${client} in time: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(workDir, { recursive: true, force: true });
  };

  let peerPort = 0;
  // Another process may grab a "free" port before etcd binds it: try a few fresh pairs.
  for (let attempt = 1; ; attempt++) {
    clientPort = await freePort();
    peerPort = await freePort();
    try {
      await launch(peerPort);
      break;
    } catch (error) {
      if (attempt >= 3) {
        await stop();
        throw error;
      }
    }
  }

  if (options.auth) {
    try {
      await setUpAuth(etcdctl, rootPassword, appPassword, options.authPrefix ?? 'election/');
      authEnabled = true;
    } catch (error) {
      await stop();
      throw error;
    }
  }

  return {
    get endpoints() {
      return [endpoint()];
    },
    get clientOptions(): EtcdClientOptions {
      return {
        endpoints: [endpoint()],
        ...(options.auth ? { auth: { username: 'app', password: appPassword } } : {}),
        ...(certificates ? { tls: clientTls(certificates) } : {}),
      };
    },
    dataDir,
    controllable: true,
    notControllableReason: undefined,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      // SIGSTOP freezes it and SIGCONT resumes it: neither ends the process.
      if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') await exited;
    },
    async restart() {
      if (stopped) throw new Error('this etcd was stopped; start a new one');
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await launch(peerPort);
    },
    etcdctl,
    stop,
  };
}

function clientTls(certificates: TestCertificates) {
  return { ca: certificates.ca, cert: certificates.clientCert, key: certificates.clientKey };
}
