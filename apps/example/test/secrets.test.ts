import { createElector } from '@election/core';
import { createFailingBackend } from '@election/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logLeadershipChanges } from '../src/leadership-log.js';
import { coreLogger } from '../src/logger.js';
import { describeStartFailure, lastErrorOf } from '../src/start-failure.js';

/** A backend error as a custom adapter might word it, credentials and all. */
const LEAKY =
  'connect ECONNREFUSED http://admin:s3cret@etcd.internal:2379/v3?token=abc123 (Authorization: Bearer xyz789)';
const SECRETS = ['s3cret', 'abc123', 'xyz789'];

describe('election-node logs', () => {
  it('show a backend failure without its secrets (core masks them: issue 19 defect 6)', async () => {
    const lines: string[] = [];
    // The node's own logger, as createLogger makes it, writing JSON lines here instead of stdout.
    const logger = pino(
      { level: 'debug', base: { node: 'node-x' } },
      { write: (line: string) => lines.push(line) },
    );
    const elector = createElector({
      id: 'node-x',
      membership: createFailingBackend({ message: LEAKY, endpoint: 'etcd.internal:2379' }),
      logger: coreLogger(logger),
      startTimeoutMs: 300,
      backoff: { initialMs: 10, maxMs: 50 },
    });
    logLeadershipChanges(elector, logger);
    const error = await elector.start().then(
      () => undefined,
      (rejected: unknown) => rejected,
    );
    // The CLI's start-failure line (cli.ts startFailure): the message and the last error.
    const context = { backend: 'custom', endpoint: 'etcd.internal:2379', startTimeoutSeconds: 0.3 };
    logger.fatal(
      { event: 'start-failed', lastError: lastErrorOf(error) },
      describeStartFailure(error, context),
    );
    const text = lines.join('');
    // The failure is shown (the test would prove nothing otherwise), its secrets are not.
    expect(text).toContain('ECONNREFUSED');
    expect(text).toContain('start-failed');
    for (const secret of SECRETS) expect(text, `the logs show ${secret}`).not.toContain(secret);
  });
});
