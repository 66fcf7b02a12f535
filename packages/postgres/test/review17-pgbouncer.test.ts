import net from 'node:net';
import { ConfigurationError, silentLogger, systemClock } from '@election/core/adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresMembership } from '../src/index.js';

// review17: the README says the lock "works through pgbouncer" (and, for transaction pooling, only
// asks for listen: false). But an own pool (connectionString, the README's example) sets
// `statement_timeout` in pg's config (options.ts:438), and pg sends it as a STARTUP parameter
// (pg/lib/client.js getStartupConf). pgbouncer refuses any startup parameter it does not track
// unless it is listed in its ignore_startup_parameters: "FATAL: unsupported startup parameter:
// statement_timeout" (SQLSTATE 08P01; brianc/node-postgres#2103, pgbouncer/pgbouncer#907). The
// adapter maps 08P01 to a BackendUnavailableError that core retries quietly for ever: the node
// never joins, and nothing says what to change. This stands in for pgbouncer's documented answer
// on loopback (no pgbouncer is installed here): it answers every startup like pgbouncer does.
let server: net.Server;
let port = 0;
const startups: string[] = [];

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat([Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0`), Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

beforeAll(async () => {
  server = net.createServer((socket) => {
    socket.once('data', (data) => {
      const text = data.subarray(8).toString('utf8');
      startups.push(text);
      const params = text.split('\0');
      const unsupported = params.find((p, i) => i % 2 === 0 && p === 'statement_timeout');
      if (unsupported !== undefined)
        socket.end(errorResponse('08P01', `unsupported startup parameter: ${unsupported}`));
      else socket.end(errorResponse('28P01', 'password authentication failed'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** join() on a membership made of `options`: what it rejected with (undefined if it joined). */
async function joinError(options: Parameters<typeof createPostgresMembership>[0]): Promise<unknown> {
  const backend = createPostgresMembership(options);
  const release = backend.retain();
  try {
    return await backend
      .join({
        member: { id: 'a' },
        ttlMs: 2000,
        clock: systemClock,
        logger: silentLogger,
        signal: new AbortController().signal,
        takeover: false,
      })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
  } finally {
    release();
    await backend.close();
  }
}

describe('review17: an own pool behind pgbouncer (default ignore_startup_parameters)', () => {
  // fix17: the original single test asserted that pg SENT statement_timeout ("what pg sent") and
  // then expected the refusal to be mapped. With the fix the adapter sends no such parameter, so
  // that line is inverted here, and the mapping of pgbouncer's refusal is checked with a
  // statement_timeout the user put in poolConfig (the same assertions as before).
  it('the default own pool sends no statement_timeout at startup: pgbouncer lets it through', async () => {
    startups.length = 0;
    const url = `postgres://app:s3cret@127.0.0.1:${port}/app`;
    const error = await joinError({ connectionString: url, listen: false });
    expect(startups.length).toBeGreaterThan(0);
    expect(startups.some((s) => s.includes('statement_timeout'))).toBe(false); // what pg sent
    // Past the startup parameters: the stand-in's next answer (a wrong password) is what comes back.
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/user and password/);
  });

  it('a startup parameter pgbouncer refuses is a ConfigurationError that says what to change, not retried for ever', async () => {
    startups.length = 0;
    const error = await joinError({
      poolConfig: {
        connectionString: `postgres://app:s3cret@127.0.0.1:${port}/app`,
        statement_timeout: 2000,
      },
      listen: false,
    });
    expect(startups.some((s) => s.includes('statement_timeout'))).toBe(true); // what pg sent
    // 16f0ddf: a BackendUnavailableError (retried by core for ever).
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/statement_timeout|pgbouncer/);
    expect((error as Error).message).toMatch(/ignore_startup_parameters/);
    expect((error as Error).message).not.toContain('s3cret');
  });
});
