import { ConfigurationError } from '@election/core';
import Consul from 'consul';
import { describe, expect, it } from 'vitest';
import { CONSUL_CAPABILITIES, createConsulMembership } from '../../src/index.js';

describe('createConsulMembership options', () => {
  it("declares a lock and Consul's whole-second TTL range 10 s–86400 s, default 10 s", () => {
    const backend = createConsulMembership();
    expect(backend.name).toBe('consul');
    expect(backend.capabilities).toEqual({
      lock: true,
      minTtlMs: 10_000,
      maxTtlMs: 86_400_000,
      wholeSecondTtl: true,
      defaultTtlMs: 10_000,
    });
    expect(CONSUL_CAPABILITIES).toEqual(backend.capabilities);
  });

  it.each([
    [{ port: 0 }, /port must be a whole number of a TCP port from 1 to 65535/],
    [{ port: 8500.5 }, /port/],
    [{ host: '' }, /host must be a non-empty string/],
    [{ secure: 'yes' }, /secure must be true or false/],
    [{ election: 'a/b' }, /election "a\/b" must not contain "\/"/],
    [{ election: '' }, /election must be a non-empty string/],
    [{ prefix: '/election' }, /prefix "\/election" must not start or end with "\/"/],
    [{ prefix: 'a//b' }, /must not start or end with "\/" nor contain "\/\/"/],
    [{ lockDelaySeconds: 61 }, /lockDelaySeconds must be a whole number of seconds from 0 to 60/],
    [{ lockDelaySeconds: 1.5 }, /lockDelaySeconds/],
    [{ sessionChecks: 'serfhealth' }, /sessionChecks must be "serfHealth" or "none", got "serfhealth"/],
    [{ election: 'jobs ' }, /election "jobs " must not start or end with whitespace/],
    [{ prefix: ' apps' }, /must not start or end with whitespace/],
    [{ prefix: 'apps/../x' }, /must not contain "\." or "\.\." segments/],
    [{ election: '..' }, /must not contain "\." or "\.\." segments/],
    [{ watchWaitSeconds: 0 }, /watchWaitSeconds must be a whole number of seconds from 1 to 600/],
    [{ token: '' }, /token must be a non-empty string when given/],
    [{ client: {} }, /client must be a client created with `new Consul\(...\)`/],
  ])('rejects %o with a ConfigurationError that says what to change', (options, message) => {
    const attempt = () => createConsulMembership(options as never);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/^\[@election\/consul\] /);
  });

  it('takes an existing client, but not together with connection options', () => {
    const client = new Consul({ host: '127.0.0.1', port: 1 });
    try {
      expect(createConsulMembership({ client }).name).toBe('consul');
      expect(() => createConsulMembership({ client, host: '127.0.0.1' })).toThrow(
        /either client or host\/port/,
      );
    } finally {
      client.destroy();
    }
  });
});
