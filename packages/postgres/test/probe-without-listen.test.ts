import { ConfigurationError } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createPostgresMembership } from '../src/index.js';

/**
 * review23b P3: `listenProbe: true` with `listen: false` asks for a probe of a listener that is
 * never opened. It is accepted in silence and does nothing (session.ts subscribes only with
 * `listen`), where the brief's standard wants bad input refused with a typed error that says what
 * to change (as the other option checks of options.ts do).
 */
const url = 'postgres://u@127.0.0.1:5432/db';

describe('postgres listenProbe without listen', () => {
  it('listen: false, listenProbe: true is refused with a ConfigurationError naming both options', () => {
    let failure: unknown;
    try {
      void createPostgresMembership({ connectionString: url, listen: false, listenProbe: true }).close();
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toMatch(/listenProbe/);
    expect((failure as Error).message).toMatch(/listen/);
  });
});
