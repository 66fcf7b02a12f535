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

describe('review17: an own pool behind pgbouncer (default ignore_startup_parameters)', () => {
  it('the join is refused with a ConfigurationError that says what to change, not retried for ever', async () => {
    const backend = createPostgresMembership({
      connectionString: `postgres://app:s3cret@127.0.0.1:${port}/app`,
      listen: false,
    });
    const release = backend.retain();
    try {
      const error = await backend
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
      expect(startups.some((s) => s.includes('statement_timeout'))).toBe(true); // what pg sent
      // 16f0ddf: a BackendUnavailableError (retried by core for ever).
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/statement_timeout|pgbouncer/);
    } finally {
      release();
      await backend.close();
    }
  });
});
