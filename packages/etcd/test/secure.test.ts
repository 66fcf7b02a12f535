import { ConfigurationError } from '@election/core';
import { waitFor } from '@election/testing';
import { type EtcdServer, startEtcd } from '@election/tools';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createEtcdMembership } from '../src/index.js';
import { joinAs, recordingLogger, trackMembers } from './support/session-helpers.js';

const servers = new Map<string, Promise<EtcdServer>>();
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await Promise.all([...servers.values()].map(async (server) => (await server).stop()));
});

/** One etcd per flavour, shared by the tests of that flavour. */
function start(flavour: 'auth' | 'tls'): Promise<EtcdServer> {
  let server = servers.get(flavour);
  if (server === undefined) {
    server = startEtcd(flavour === 'auth' ? { auth: true } : { tls: true });
    servers.set(flavour, server);
  }
  return server;
}

describe('secured etcd', { timeout: 20_000 }, () => {
  it('works with password auth, as a user limited to the election prefix, and never logs the password', async () => {
    const etcd = await start('auth');
    const password = etcd.clientOptions.auth!.password;
    const logger = recordingLogger();
    const membership = createEtcdMembership({ ...etcd.clientOptions });
    cleanups.push(() => membership.close());
    const a = await joinAs(membership, { id: 'a' }, { logger });
    cleanups.push(() => a.leave());
    const b = await joinAs(createEtcdMembership({ ...etcd.clientOptions }), { id: 'b' }, { logger });
    const seen = trackMembers(a);
    await waitFor(() => seen.ids().join() === 'a,b', { timeoutMs: 2000, message: 'b to appear' });
    expect(await a.lock!.tryAcquire()).not.toBeNull();
    await b.leave();
    const out = await etcd.etcdctl('get', '--prefix', 'election/default/');
    expect(out.trim().split('\n')).toEqual([
      'election/default/leader',
      'a',
      'election/default/members/a',
      '{"id":"a","priority":0,"observer":false,"meta":{}}',
    ]);
    expect(JSON.stringify(logger.records)).not.toContain(password);
  });

  it('re-authenticates after an etcd restart invalidates its token', async (context) => {
    const etcd = await start('auth');
    if (!etcd.controllable) context.skip(etcd.notControllableReason);
    const membership = createEtcdMembership({ ...etcd.clientOptions, election: 'restart' });
    cleanups.push(() => membership.close());
    const a = await joinAs(membership, { id: 'a' }, { ttlMs: 10_000 });
    cleanups.push(() => a.leave());
    const seen = trackMembers(a);
    await etcd.restart();
    const restartedAt = a.deadline();
    await waitFor(() => a.deadline() > restartedAt, {
      timeoutMs: 5000,
      message: 'renewals after the restart',
    });
    const b = await joinAs(createEtcdMembership({ ...etcd.clientOptions, election: 'restart' }), { id: 'b' });
    await waitFor(() => seen.ids().join() === 'a,b', { timeoutMs: 5000, message: 'the watch to be back' });
    await b.leave();
  });

  it('reports wrong credentials as a ConfigurationError without the password in it', async () => {
    const etcd = await start('auth');
    const membership = createEtcdMembership({
      endpoints: etcd.endpoints,
      auth: { username: 'app', password: 'wrong-secret-123' },
    });
    cleanups.push(() => membership.close());
    const error = await joinAs(membership, { id: 'a' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/credentials/);
    expect((error as Error).message).not.toContain('wrong-secret-123');
  });

  it('reports a prefix the user may not write as a ConfigurationError', async () => {
    const etcd = await start('auth');
    const membership = createEtcdMembership({ ...etcd.clientOptions, prefix: 'elsewhere' });
    cleanups.push(() => membership.close());
    const error = await joinAs(membership, { id: 'a' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/permission/);
  });

  it('works over TLS with client certificates', async () => {
    const etcd = await start('tls');
    expect(etcd.endpoints[0]).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const membership = createEtcdMembership({ ...etcd.clientOptions });
    cleanups.push(() => membership.close());
    const a = await joinAs(membership, { id: 'a' });
    cleanups.push(() => a.leave());
    expect(await a.lock!.tryAcquire()).not.toBeNull();
    const deadline = a.deadline();
    await waitFor(() => a.deadline() > deadline, { timeoutMs: 2000, message: 'a renewal over TLS' });
    expect(await etcd.etcdctl('get', '--print-value-only', 'election/default/leader')).toBe('a\n');
  });

  it('refuses a TLS connection without a client certificate', async () => {
    const etcd = await start('tls');
    const membership = createEtcdMembership({
      endpoints: etcd.endpoints,
      tls: { ca: etcd.clientOptions.tls!.ca },
    });
    cleanups.push(() => membership.close());
    await expect(joinAs(membership, { id: 'a' })).rejects.toThrow(/\[@election\/etcd\]/);
  });
});
