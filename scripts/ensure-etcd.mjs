#!/usr/bin/env node
// The etcd tests start a real etcd server themselves. This makes sure the binary is there: on a
// fresh Debian machine run as root it installs Debian's etcd-server; anywhere else it says how.
import { execFileSync, spawnSync } from 'node:child_process';

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

if (process.env.ETCD_ENDPOINTS) {
  console.log(`ensure-etcd: using the external etcd at ${process.env.ETCD_ENDPOINTS}`);
} else if (has('etcd') && has('etcdctl')) {
  console.log('ensure-etcd: etcd found on PATH');
} else if (process.getuid?.() === 0 && has('apt-get')) {
  console.log("ensure-etcd: installing Debian's etcd-server and etcd-client (apt-get)");
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'etcd-server', 'etcd-client'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
} else {
  console.error(
    'ensure-etcd: the tests need etcd 3.4+ on PATH. Install it (Debian/Ubuntu: sudo apt-get install etcd-server etcd-client),\n' +
      'or point ETCD_ENDPOINTS at a running etcd (tests that kill and restart etcd are then skipped).',
  );
  process.exit(1);
}
