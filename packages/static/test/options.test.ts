import { ConfigurationError, InvalidIdError } from '@election/core';
import { describe, expect, it } from 'vitest';
import { probeUrl } from '../src/http-probe.js';
import { createStaticMembership } from '../src/index.js';

describe('createStaticMembership options', () => {
  it('rejects an empty member list', () => {
    expect(() => createStaticMembership({ members: [] })).toThrow(ConfigurationError);
    expect(() => createStaticMembership({ members: [] })).toThrow(/^\[@election\/static\] members must be/);
  });

  it('rejects an invalid id with InvalidIdError', () => {
    expect(() => createStaticMembership({ members: [{ id: 'a/b', url: 'http://127.0.0.1:1' }] })).toThrow(
      InvalidIdError,
    );
  });

  it('rejects an id listed twice, naming it', () => {
    expect(() =>
      createStaticMembership({
        members: [
          { id: 'a', url: 'http://127.0.0.1:1' },
          { id: 'a', url: 'http://127.0.0.1:2' },
        ],
      }),
    ).toThrow(/"a" is listed twice/);
  });

  it('rejects a url that is not http(s)', () => {
    expect(() => createStaticMembership({ members: [{ id: 'a', url: 'not a url' }] })).toThrow(
      /url of member "a" is not a valid URL/,
    );
    expect(() => createStaticMembership({ members: [{ id: 'a', url: 'ftp://127.0.0.1/' }] })).toThrow(
      /must start with http:\/\/ or https:\/\//,
    );
  });

  it('rejects two members without url when the default HTTP probe is used', () => {
    expect(() => createStaticMembership({ members: [{ id: 'a' }, { id: 'b' }] })).toThrow(
      /members "a", "b" have no url/,
    );
    // A probe function decides liveness itself, so urls are optional then.
    expect(() =>
      createStaticMembership({ members: [{ id: 'a' }, { id: 'b' }], probe: async () => true }),
    ).not.toThrow();
  });

  it.each([
    ['intervalMs', 0],
    ['timeoutMs', -1],
    ['failureThreshold', 1.5],
    ['successThreshold', Number.NaN],
  ])('rejects probe.%s = %s', (name, value) => {
    expect(() =>
      createStaticMembership({ members: [{ id: 'a', url: 'http://127.0.0.1:1' }], probe: { [name]: value } }),
    ).toThrow(new RegExp(`probe\\.${name} must be an integer`));
  });

  it('rejects a probe path without a leading slash', () => {
    expect(() =>
      createStaticMembership({
        members: [{ id: 'a', url: 'http://127.0.0.1:1' }],
        probe: { path: 'healthz' },
      }),
    ).toThrow(/probe\.path must start with "\/"/);
  });

  it('declares view mode only: no lock, and a TTL range that accepts anything', () => {
    const backend = createStaticMembership({ members: [{ id: 'a' }] });
    expect(backend.name).toBe('static');
    expect(backend.capabilities.lock).toBe(false);
    expect(backend.capabilities.minTtlMs).toBeLessThanOrEqual(1000);
  });
});

describe('probeUrl', () => {
  it('appends the path and keeps a prefix of the base url', () => {
    expect(probeUrl('http://127.0.0.1:8080', '/healthz').href).toBe('http://127.0.0.1:8080/healthz');
    expect(probeUrl('http://127.0.0.1:8080/app/', '/healthz').href).toBe('http://127.0.0.1:8080/app/healthz');
  });
});
