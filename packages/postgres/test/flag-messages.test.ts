import { describe, expect, it } from 'vitest';
import { createPostgresMembership } from '../src/index.js';

/**
 * The flag options' messages say what was given, in postgres's own wording (not core's `flag()`,
 * whose message drops the value). Regression (review23 F5): on core's `flag()` they had lost the
 * `got …`.
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

describe('postgres flag options say what was given', () => {
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
