#!/usr/bin/env node
// The etcd tests start a real etcd server themselves. This makes sure the binary is there: on a
// fresh Debian machine run as root it installs Debian's etcd-server; anywhere else it says how.
import { ensure, has } from './apt.mjs';

ensure('ensure-etcd', {
  using: process.env.ETCD_ENDPOINTS && `the external etcd at ${process.env.ETCD_ENDPOINTS}`,
  found: has('etcd') && has('etcdctl') && 'etcd found on PATH',
  packages: ['etcd-server', 'etcd-client'],
  missing:
    'the tests need etcd 3.4+ on PATH. Install it (Debian/Ubuntu: sudo apt-get install etcd-server etcd-client),\n' +
    'or point ETCD_ENDPOINTS at a running etcd (tests that kill and restart etcd are then skipped).',
  required: true,
});
