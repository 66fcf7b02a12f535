#!/usr/bin/env node
// The PostgreSQL launcher of @election/tools (tools/test/postgres-server.test.ts, and the adapter
// after it) starts a real PostgreSQL itself, from the binaries `pg_config --bindir` names. This makes
// sure they are there: as root with apt-get it installs Debian's postgresql-15; anywhere else it says how.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, canApt, has } from './apt.mjs';

const bindir = () => {
  if (process.env.POSTGRES_BINDIR) return process.env.POSTGRES_BINDIR;
  if (!has('pg_config')) return undefined;
  return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
};
const found = () => {
  const dir = bindir();
  return dir !== undefined && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))
    ? dir
    : undefined;
};

if (process.env.POSTGRES_URL) {
  console.log('ensure-postgres: using the PostgreSQL at POSTGRES_URL');
} else if (found()) {
  console.log(`ensure-postgres: initdb and postgres found in ${found()}`);
} else if (canApt()) {
  aptInstall('ensure-postgres', ['postgresql-15']);
} else {
  console.error(
    'ensure-postgres: the tests need PostgreSQL 15 (initdb and postgres). Install it\n' +
      '(Debian: sudo apt-get install postgresql-15), set POSTGRES_BINDIR to its bin directory, or point POSTGRES_URL at a running server.',
  );
  process.exit(1);
}
