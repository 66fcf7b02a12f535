import {
  BackendUnavailableError,
  ConfigurationError,
  DuplicateMemberError,
  StartTimeoutError,
} from '@election/core';
import { describe, expect, it } from 'vitest';
import { describeStartFailure, lastErrorOf } from '../src/start-failure.js';

const etcd = { backend: 'etcd', endpoint: 'http://127.0.0.1:2379', startTimeoutSeconds: 4 };
const unreachable = new BackendUnavailableError('Could not grant an etcd lease: 14 UNAVAILABLE', {
  source: '@election/etcd',
});

describe('describeStartFailure', () => {
  it('names the backend, where it is and the timeout when the backend could not be reached', () => {
    const timeout = new StartTimeoutError('could not join', { cause: unreachable });
    expect(describeStartFailure(timeout, etcd)).toBe(
      'could not reach etcd at http://127.0.0.1:2379 within 4 s; check that it runs and that this host ' +
        'can reach it, or raise --start-timeout.',
    );
    // The only attempt never settled: unreachable, or still waiting out a previous registration.
    expect(describeStartFailure(new StartTimeoutError('x'), { ...etcd, startTimeoutSeconds: 0.5 })).toBe(
      'could not join etcd at http://127.0.0.1:2379 within 0.5 s: no answer yet (etcd unreachable, or ' +
        "this id's previous registration not expired yet: raise --start-timeout, or see --takeover).",
    );
    expect(lastErrorOf(timeout)).toBe('Could not grant an etcd lease: 14 UNAVAILABLE');
  });

  it('says why when the backend answered but the join could not finish', () => {
    const duplicate = new DuplicateMemberError('a', '"a" is held by another live node', {
      source: '@election/etcd',
    });
    expect(describeStartFailure(new StartTimeoutError('x', { cause: duplicate }), etcd)).toBe(
      'could not join etcd at http://127.0.0.1:2379 within 4 s: "a" is held by another live node',
    );
    expect(describeStartFailure(duplicate, etcd)).toBe(
      'could not join etcd at http://127.0.0.1:2379: "a" is held by another live node',
    );
    expect(describeStartFailure(new ConfigurationError('bad'), etcd)).toMatch(
      /^could not join etcd at .*: bad$/,
    );
    expect(describeStartFailure(new Error('boom'), etcd)).toBe(
      'could not start on etcd at http://127.0.0.1:2379: boom',
    );
  });
});
