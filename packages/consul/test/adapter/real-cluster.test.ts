import { BackendUnavailableError, ConfigurationError } from '@election/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsulErrorMapper } from '../../src/errors.js';
import { decodeKeySegment, encodeKeySegment } from '../../src/keys.js';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { simulatorTarget } from '../support/consul-target.js';
import { joinRequest } from '../support/join-request.js';
import { AWKWARD_IDS, registerKeyNameCases } from '../support/key-name-cases.js';
import { validateKey } from '../support/simulator/simulator-key-rules.js';

describe('member ids in Consul key names', () => {
  it.each([...AWKWARD_IDS, 'node-1', 'a_b', 'x.json', 'a/b', '日本', '😀'])(
    '%j encodes to a key segment strict Consul accepts, and decodes back',
    (id) => {
      const segment = encodeKeySegment(id);
      expect(segment).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(() => validateKey(`election/default/members/${segment}`, 'union')).not.toThrow();
      expect(decodeKeySegment(segment)).toBe(id);
    },
  );

  it('keeps plain ids readable: node-1 stays node-1', () => {
    expect(encodeKeySegment('node-1')).toBe('node-1');
    expect(encodeKeySegment('node 1')).toBe('node_201');
  });

  it.each(['', 'a b', '_2', '_2d', '_41', '_C3', 'x.y', '_FF'])(
    'rejects %j, which it would never produce',
    (segment) => {
      expect(decodeKeySegment(segment)).toBeUndefined();
    },
  );

  it('the strict simulator refuses a raw id as Consul does (400), so the encoding is needed', async () => {
    const fx = await createAdapterFixture({ strictKeys: true });
    try {
      const answer = await fetch(`${fx.sim.address}/v1/kv/election/x/members/node%201`, {
        method: 'PUT',
        body: '{}',
      });
      expect(answer.status).toBe(400);
      expect(await answer.text()).toMatch(/invalid character ' ' at position/);
      // An unencoded ".." would not even reach Consul as a key: URL parsers drop dot segments.
      expect(() => validateKey('election/x/members/..', 'union')).toThrow(/path traversal/);
    } finally {
      await fx.cleanup();
    }
  });
});

registerKeyNameCases('awkward ids end to end (Consul simulator, strict key validation)', () =>
  simulatorTarget({ strictKeys: true }),
);

describe('a prefix or election a strict agent refuses in key names', () => {
  it('fails the join with a ConfigurationError naming the options to change, not a retry for ever', async () => {
    const fx = await createAdapterFixture({ strictKeys: true });
    try {
      const joining = fx.backend({ election: 'my app' }).join(joinRequest('node-a'));
      await expect(joining).rejects.toBeInstanceOf(ConfigurationError);
      await expect(joining).rejects.toThrow(/invalid character ' '.*prefix and election options/);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('a datacenter option naming another datacenter', () => {
  let fx: AdapterFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it('through a client agent: ConfigurationError carrying Consul\'s "cross datacenter lock must be created at server agent"', async () => {
    fx = await createAdapterFixture({ datacenter: 'dc1', datacenters: ['dc2'], agentMode: 'client' });
    const joining = fx.backend({ datacenter: 'dc2' }).join(joinRequest('node-a'));
    await expect(joining).rejects.toBeInstanceOf(ConfigurationError);
    await expect(joining).rejects.toThrow(
      /cross datacenter lock must be created at server agent.*Point the adapter at an agent of that datacenter/,
    );
  });

  it('through a server agent: ConfigurationError carrying Consul\'s "Missing node registration"', async () => {
    fx = await createAdapterFixture({ datacenter: 'dc1', datacenters: ['dc2'], agentMode: 'server' });
    const joining = fx.backend({ datacenter: 'dc2' }).join(joinRequest('node-a'));
    await expect(joining).rejects.toBeInstanceOf(ConfigurationError);
    await expect(joining).rejects.toThrow(
      /datacenter "dc2" does not know \(HTTP 500: Missing node registration\)/,
    );
  });

  it('a 500 "invalid key name" (as Consul 1.21.5 is reported to answer) is a ConfigurationError too', () => {
    const cause = Object.assign(new Error('x'), { response: { statusCode: 500, body: 'invalid key name' } });
    expect(createConsulErrorMapper()(cause, 'acquire a key')).toBeInstanceOf(ConfigurationError);
  });

  it('"Missing node registration" without a datacenter option (a fresh agent) stays retryable', () => {
    const cause = Object.assign(new Error('x'), {
      statusCode: 500,
      response: { statusCode: 500, body: 'Missing node registration' },
    });
    expect(createConsulErrorMapper()(cause, 'create a session')).toBeInstanceOf(BackendUnavailableError);
    expect(createConsulErrorMapper({ datacenter: 'dc2' })(cause, 'create a session')).toBeInstanceOf(
      ConfigurationError,
    );
  });
});
