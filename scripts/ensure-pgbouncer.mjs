#!/usr/bin/env node
// The pgbouncer launcher of @election/tools (packages/postgres/test/pgbouncer.test.ts) starts a real
// pgbouncer in front of the test PostgreSQL. This makes sure it is there: as root with apt-get it
// installs Debian's pgbouncer; anywhere else it says how.
import { existsSync } from 'node:fs';
import { ensure, has } from './apt.mjs';

const found = process.env.PGBOUNCER_BINARY
  ? process.env.PGBOUNCER_BINARY
  : has('pgbouncer')
    ? 'pgbouncer'
    : existsSync('/usr/sbin/pgbouncer')
      ? '/usr/sbin/pgbouncer'
      : undefined;
ensure('ensure-pgbouncer', {
  found: found && `pgbouncer found (${found})`,
  packages: ['pgbouncer'],
  missing:
    'the PostgreSQL adapter tests run through a real pgbouncer. Install it\n' +
    '(Debian: sudo apt-get install pgbouncer) or set PGBOUNCER_BINARY to its path.',
  required: true,
});
