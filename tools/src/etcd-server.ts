/**
 * Starts a real etcd (/usr/bin/etcd) for tests and benchmarks: free loopback ports, a temp data
 * dir, optional password auth and TLS with client certificates. `ETCD_ENDPOINTS` points everything
 * at an existing etcd instead; such a server cannot be killed or restarted (`controllable` false).
 *
 *   const etcd = await startEtcd({ auth: true });
 *   ... etcd.url, etcd.endpoints, etcd.clientOptions ...
 *   await etcd.kill('SIGKILL'); await etcd.restart();
 *   await etcd.stop();
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateCertificates, type TestCertificates } from './certificates.js';
import { cleanEnv, externalEtcd, setUpAuth } from './etcd-tools.js';
import {
  onFreePorts,
  type ServerProcess,
  serverControls,
  spawnServer,
  type TestServer,
  waitUntilReady,
} from './server-process.js';

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

/** An etcd for a test: the launchers' common shape (`url` is the first client endpoint), and more. */
export interface EtcdServer extends TestServer {
  readonly endpoints: string[];
  /** What a client (the `app` user, when auth is on) should pass to createEtcdMembership. */
  readonly clientOptions: EtcdClientOptions;
  /** Runs etcdctl against this server as root; resolves with stdout. */
  etcdctl(...args: string[]): Promise<string>;
}

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
  let server: ServerProcess | undefined;
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
    server = spawnServer(options.binary ?? ETCD_BINARY, args, { env: cleanEnv() });
    const healthy = () => etcdctl('endpoint', 'health').then(() => true);
    await waitUntilReady(server, healthy, `etcd at ${client}`, options.startTimeoutMs ?? 15_000);
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server?.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  };

  let peerPort = 0;
  try {
    await onFreePorts(2, async ([client, peer]) => {
      clientPort = client as number;
      peerPort = peer as number;
      await launch(peerPort);
    });
  } catch (error) {
    await stop();
    throw error;
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
    get url() {
      return endpoint();
    },
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
    ...serverControls({
      name: 'etcd',
      dataDir,
      current: () => server,
      launch: () => launch(peerPort),
      stopped: () => stopped,
      stop,
    }),
    etcdctl,
  };
}

function clientTls(certificates: TestCertificates) {
  return { ca: certificates.ca, cert: certificates.clientCert, key: certificates.clientKey };
}
