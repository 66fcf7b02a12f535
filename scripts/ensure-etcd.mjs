#!/usr/bin/env node
// The etcd tests start a real etcd server themselves. This makes sure the binary is there: on a
// fresh Debian machine run as root it installs Debian's etcd-server; anywhere else it says how.
import { aptInstall, canApt, has } from './apt.mjs';

if (process.env.ETCD_ENDPOINTS) {
  console.log(`ensure-etcd: using the external etcd at ${process.env.ETCD_ENDPOINTS}`);
} else if (has('etcd') && has('etcdctl')) {
  console.log('ensure-etcd: etcd found on PATH');
} else if (canApt()) {
  aptInstall('ensure-etcd', ['etcd-server', 'etcd-client']);
} else {
  console.error(
    'ensure-etcd: the tests need etcd 3.4+ on PATH. Install it (Debian/Ubuntu: sudo apt-get install etcd-server etcd-client),\n' +
      'or point ETCD_ENDPOINTS at a running etcd (tests that kill and restart etcd are then skipped).',
  );
  process.exit(1);
}
