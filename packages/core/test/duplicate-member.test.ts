import { describe, expect, it } from 'vitest';
import { DuplicateMemberError, duplicateMember } from '../src/adapter/index.js';

describe('duplicateMember', () => {
  it('names the id, where it is held and why the holder counts as live, then the remedies', () => {
    const error = duplicateMember({
      source: '@election/x',
      id: 'a',
      where: 'election "e"',
      evidence: 'its lease 7 was renewed',
    });
    expect(error).toBeInstanceOf(DuplicateMemberError);
    expect(error.code).toBe('DUPLICATE_MEMBER');
    expect(error.memberId).toBe('a');
    expect(error.message).toBe(
      '[@election/x] Member id "a" is already registered in election "e" by another live node (its lease 7 was renewed). ' +
        'Give each node a unique id, or stop the other process. If an orchestrator guarantees one process per id ' +
        '(a StatefulSet), the elector option takeover: true replaces the previous registration at once.',
    );
  });

  it('leaves the place out when the adapter names none', () => {
    const error = duplicateMember({ source: '@election/x', id: 'b', evidence: 'renewed' });
    expect(error.message).toMatch(
      /^\[@election\/x\] Member id "b" is already registered by another live node \(renewed\)\. /,
    );
  });
});
