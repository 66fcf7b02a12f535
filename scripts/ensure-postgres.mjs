#!/usr/bin/env node
// The PostgreSQL launcher of @election/tools (tools/test/postgres-server.test.ts, and the adapter
// after it) starts a real PostgreSQL itself, from the binaries `pg_config --bindir` names. This makes
// sure they are there: as root with apt-get it installs Debian's postgresql-15; anywhere else it says how.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensure, has } from './apt.mjs';

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

const dir = found();
ensure('ensure-postgres', {
  using: process.env.POSTGRES_URL && 'the PostgreSQL at POSTGRES_URL',
  found: dir && `initdb and postgres found in ${dir}`,
  packages: ['postgresql-15'],
  missing:
    'the tests need PostgreSQL 15 (initdb and postgres). Install it\n' +
    '(Debian: sudo apt-get install postgresql-15), set POSTGRES_BINDIR to its bin directory, or point POSTGRES_URL at a running server.',
  required: true,
});
