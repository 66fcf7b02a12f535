import { ConfigurationError } from '@election/core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresMembership } from '../src/index.js';

const url = 'postgres://app:s3cret@127.0.0.1:5432/app';
const rejects = (options: unknown, message: RegExp) => {
  let thrown: unknown;
  try {
    createPostgresMembership(options as never);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigurationError);
  expect((thrown as Error).message).toMatch(message);
  expect((thrown as Error).message).not.toContain('s3cret');
};

describe('createPostgresMembership options', () => {
  it('needs exactly one of connectionString, pool and poolConfig', () => {
    rejects({}, /exactly one of connectionString/);
    rejects({ connectionString: url, poolConfig: {} }, /exactly one of connectionString/);
    rejects(undefined, /needs an options object/);
  });

  it('says how to write a connection string that is not a postgres URL', () => {
    rejects({ connectionString: 'mysql://app@host/db' }, /postgres:\/\/user:password@host:5432\/database/);
    rejects({ connectionString: 'host=db user=app' }, /does not start with postgres:\/\//);
    rejects({ connectionString: 'postgres://app:s3cret@[::1' }, /not a valid URL/);
  });

  it('refuses a schema name with quotes or other punctuation, saying what a name may hold', () => {
    rejects(
      { connectionString: url, schema: 'bad"name' },
      /schema must be a plain PostgreSQL identifier.*"bad\\"name"/,
    );
    rejects({ connectionString: url, schema: 'x; drop table t' }, /Choose a name without quotes, spaces/);
    rejects({ connectionString: url, schema: '1abc' }, /not starting with a digit/);
    rejects({ connectionString: url, schema: 'a'.repeat(55) }, /at most 54 characters/);
    expect(() => createPostgresMembership({ connectionString: url, schema: 'a'.repeat(54) })).not.toThrow();
  });

  it('checks the election name, the flags and the times, in their units', () => {
    rejects({ connectionString: url, election: '' }, /election must be a name of 1 to 200 characters/);
    rejects({ connectionString: url, election: 'a\nb' }, /without control characters/);
    rejects({ connectionString: url, listen: 'no' }, /listen must be true or false, got "no"/);
    rejects({ connectionString: url, pollMs: 0 }, /pollMs must be a positive number of milliseconds, got 0/);
    rejects({ connectionString: url, requestTimeoutMs: -1 }, /requestTimeoutMs must be/);
  });

  it('says where the database is without the user or password', async () => {
    const backend = createPostgresMembership({ connectionString: url, schema: 'Mixed_Case' });
    expect(backend.endpoint).toBe('postgres://127.0.0.1:5432/app');
    expect(backend.capabilities).toMatchObject({ lock: true, wholeSecondTtl: false });
    await backend.close();
    const pool = new pg.Pool({
      host: 'db.internal',
      port: 6432,
      database: 'jobs',
      user: 'u',
      password: 's3cret',
    });
    const onPool = createPostgresMembership({ pool });
    expect(onPool.endpoint).toBe('postgres://db.internal:6432/jobs');
    await onPool.close();
    await pool.end();
  });
});
