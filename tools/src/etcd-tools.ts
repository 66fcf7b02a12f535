import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { EtcdServer } from './etcd-server.js';
import { externalControls } from './server-process.js';

const run = promisify(execFile);
const ETCDCTL_BINARY = process.env.ETCDCTL_BINARY ?? '/usr/bin/etcdctl';

/** The environment without etcd's own variables: etcd refuses to start when one shadows a flag. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^ETCD(CTL)?_/.test(name)));
}

/** An etcd the tests did not start (`ETCD_ENDPOINTS`): usable, but never killed or restarted. */
export function externalEtcd(endpoints: string): EtcdServer {
  const list = endpoints
    .split(',')
    .map((endpoint) => endpoint.trim())
    .filter(Boolean);
  const reason = 'ETCD_ENDPOINTS is set: this test needs an etcd it starts itself (to kill or restart it)';
  return {
    url: list[0] ?? '',
    endpoints: list,
    clientOptions: { endpoints: list },
    ...externalControls(reason),
    etcdctl: async (...args) =>
      (
        await run(ETCDCTL_BINARY, [`--endpoints=${list.join(',')}`, ...args], {
          env: { ...cleanEnv(), ETCDCTL_API: '3' },
        })
      ).stdout,
  };
}

/** Root user, and an `app` user that may only read and write under `prefix`; then auth on. */
export async function setUpAuth(
  etcdctl: (...args: string[]) => Promise<string>,
  rootPassword: string,
  appPassword: string,
  prefix: string,
): Promise<void> {
  await etcdctl('user', 'add', `root:${rootPassword}`);
  await etcdctl('role', 'add', 'app');
  await etcdctl('role', 'grant-permission', 'app', '--prefix=true', 'readwrite', prefix);
  await etcdctl('user', 'add', `app:${appPassword}`);
  await etcdctl('user', 'grant-role', 'app', 'app');
  await etcdctl('auth', 'enable');
}

/** An executable on PATH (for example `etcd`), or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
