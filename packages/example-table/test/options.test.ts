import { ConfigurationError } from '@election/core/adapter';
import { createManualClock } from '@election/testing';
import { describe, expect, it } from 'vitest';
import { createTableMembership } from '../src/index.js';
import { Table } from './table.js';

describe('createTableMembership options', () => {
  const client = new Table(createManualClock()).connect('node-1');

  it('says which option is wrong, in its unit', () => {
    expect(() => createTableMembership({ client, pollMs: 0 })).toThrow(
      new ConfigurationError('pollMs must be a positive number of milliseconds, got 0.', {
        source: 'example-table',
      }),
    );
    expect(() => createTableMembership({ client, requestTimeoutMs: Number.NaN })).toThrow(
      /requestTimeoutMs must be/,
    );
  });

  it('refuses a missing client with what to pass', () => {
    expect(() => createTableMembership({} as never)).toThrow(ConfigurationError);
    expect(() => createTableMembership({} as never)).toThrow(/client must be a TableClient/);
  });

  it('takes the defaults when options are left out', async () => {
    const backend = createTableMembership({ client });
    expect(backend.capabilities.lock).toBe(true);
    await backend.close();
  });
});
