import { ConfigurationError } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createPostgresMembership } from '../src/index.js';

// review17: connectionString is checked (a ConfigurationError that says how to write the URL),
// but the same URL given as poolConfig.connectionString is not: `new pg.Client(config)` in
// endpointOf (options.ts) throws pg-connection-string's bare TypeError "Invalid URL" out of
// createPostgresMembership(), untyped and saying nothing of what to change.
describe('review17: poolConfig.connectionString', () => {
  it('an invalid URL in poolConfig is a ConfigurationError that says how to write it', () => {
    let error: unknown;
    try {
      createPostgresMembership({ poolConfig: { connectionString: 'postgres://app:s3cret@[::1/db' } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError); // 16f0ddf: TypeError [ERR_INVALID_URL] "Invalid URL"
    expect((error as Error).message).toMatch(/postgres:\/\/user:password@host/);
    expect((error as Error).message).not.toContain('s3cret');
  });
});
