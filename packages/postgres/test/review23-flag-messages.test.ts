import { describe, expect, it } from 'vitest';
import { createPostgresMembership } from '../src/index.js';

/**
 * review23: pg23 moved `listen` and `createSchema` onto core's `flag()`, whose message drops what
 * was given: `listen must be true or false, got "no".` became `listen must be true or false.`
 * (options.test.ts's pattern was loosened to match). The messages of 5d817d8, pinned.
 */
const url = 'postgres://u@127.0.0.1:5432/db';

function messageOf(options: unknown): string {
  try {
    void createPostgresMembership(options as never).close();
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
}

describe("review23: postgres flag options say what was given (5d817d8's messages)", () => {
  it('listen: "no"', () => {
    expect(messageOf({ connectionString: url, listen: 'no' })).toContain(
      'listen must be true or false, got "no".',
    );
  });
  it('createSchema: 1', () => {
    expect(messageOf({ connectionString: url, createSchema: 1 })).toContain(
      'createSchema must be true or false, got 1.',
    );
  });
});
