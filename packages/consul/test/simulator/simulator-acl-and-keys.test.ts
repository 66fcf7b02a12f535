import { afterEach, describe, expect, it } from 'vitest';
import { type ConsulSimulator, startConsulSimulator } from '../support/consul-simulator.js';
import { sessionNodeChecks } from '../support/simulator/simulator-sessions.js';
import { call } from '../support/simulator-fetch.js';

describe('Consul simulator: ACL list filtering, key validation per version, session checks', () => {
  let sim: ConsulSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('a ?recurse or ?keys list silently drops the keys the token cannot read (KVS.List, FilterDirEnt); a single read of one answers 403', async () => {
    sim = await startConsulSimulator({
      aclToken: 't',
      aclPolicy: (key, access) => access === 'write' || !key.endsWith('/secret'),
    });
    const headers = { 'X-Consul-Token': 't' };
    for (const key of ['p/open', 'p/secret']) {
      expect((await call(sim, 'PUT', `/v1/kv/${key}`, { body: 'v', headers })).status).toBe(200);
    }
    const list = await call(sim, 'GET', '/v1/kv/p/?recurse', { headers });
    expect(list.status).toBe(200);
    expect(list.json<Array<{ Key: string }>>().map((e) => e.Key)).toEqual(['p/open']);
    expect((await call(sim, 'GET', '/v1/kv/p/?keys', { headers })).json()).toEqual(['p/open']);
    expect((await call(sim, 'GET', '/v1/kv/p/secret', { headers })).status).toBe(403);
  });

  it.each([
    ['v1.21.5', 'a b', 500, /invalid key name, keys should respect the/],
    ['v1.21.5', 'a..b', 500, /invalid key name/],
    ['strict', 'a?b', 400, /invalid character '\?'/],
    ['strict', 'x.json', 400, /suspicious file extension '\.json'/],
    ['current', ' a', 400, /space/],
    ['current', 'a/../b', 400, /path traversal/],
    ['current', 'a%2e%2e%2fb', 400, /encoded path traversal/],
  ] as const)('%s refuses %j with %i', async (keyValidation, key, status, text) => {
    sim = await startConsulSimulator({ keyValidation });
    const answer = await call(sim, 'PUT', `/v1/kv/${encodeURIComponent(key)}`, { body: 'v' });
    expect(answer.status).toBe(status);
    expect(answer.text).toMatch(text);
  });

  it.each([
    ['v1.21.5', 'a?b&c=d'],
    ['strict', 'a..b'],
    ['current', 'a b:ü'],
  ] as const)('%s accepts %j', async (keyValidation, key) => {
    sim = await startConsulSimulator({ keyValidation });
    const answer = await call(sim, 'PUT', `/v1/kv/${encodeURIComponent(key)}`, { body: 'v' });
    expect([answer.status, answer.text]).toEqual([200, 'true']);
  });

  it.each([
    [{}, ['serfHealth']],
    [{ Checks: [] }, []],
    [{ checks: [] }, []],
    [{ NodeChecks: [] }, []],
    [{ Checks: ['serfHealth'], NodeChecks: [] }, []],
    [{ NodeChecks: ['serfHealth', 'disk'] }, ['serfHealth', 'disk']],
    [{ Checks: ['disk'] }, ['serfHealth', 'disk']],
    [{ Checks: ['disk'], NodeChecks: [] }, []],
  ] as const)(
    'session create body %j is bound to the node checks %j (fixupEmptySessionChecks)',
    (body, checks) => {
      expect(sessionNodeChecks(body as Record<string, unknown>)).toEqual(checks);
    },
  );
});
