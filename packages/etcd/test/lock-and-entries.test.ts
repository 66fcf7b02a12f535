import { type LockHolder, MalformedEntryError, type MembershipSession } from '@election/core';
import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import type { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { createEtcdMembership } from '../src/index.js';
import { leaseOfKey } from './support/admin-client.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, recordingLogger, trackMembers, uniquePrefix } from './support/session-helpers.js';

let etcd: EtcdServer;
let admin: Etcd3;
const cleanups = useEtcd((server, client) => {
  etcd = server;
  admin = client;
});

async function join(prefix: string, id: string, logger = recordingLogger()): Promise<MembershipSession> {
  const membership = createEtcdMembership({ ...etcd.clientOptions, prefix });
  cleanups.push(() => membership.close());
  const session = await joinAs(membership, { id }, { logger });
  cleanups.push(() => session.leave());
  return session;
}

async function createRevision(key: string): Promise<bigint> {
  const response = await admin.kv.range({ key: Buffer.from(key) });
  return BigInt(response.kvs[0]!.create_revision);
}

describe('leader lock', () => {
  it('hands out fencing tokens that strictly increase, equal to the key create revision', async () => {
    const prefix = uniquePrefix('tokens');
    const leaderKey = `${prefix}/default/leader`;
    const a = await join(prefix, 'a');
    const b = await join(prefix, 'b');
    const tokens: bigint[] = [];
    for (let round = 0; round < 3; round++) {
      for (const session of [a, b]) {
        const token = await session.lock!.tryAcquire();
        expect(token).not.toBeNull();
        expect(token).toBe(await createRevision(leaderKey));
        tokens.push(token!);
        await session.lock!.release(token!);
      }
    }
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
  });

  it('lets only one session hold the lock; a second try returns null, the holder gets its token again', async () => {
    const prefix = uniquePrefix('exclusive');
    const a = await join(prefix, 'a');
    const b = await join(prefix, 'b');
    const token = await a.lock!.tryAcquire();
    expect(token).not.toBeNull();
    expect(await b.lock!.tryAcquire()).toBeNull();
    expect(await a.lock!.tryAcquire()).toBe(token);
    const out = await etcd.etcdctl('get', `${prefix}/default/leader`);
    expect(out.trim().split('\n')).toEqual([`${prefix}/default/leader`, 'a']);
    expect(await leaseOfKey(admin, `${prefix}/default/leader`)).toBe(
      await leaseOfKey(admin, `${prefix}/default/members/a`),
    );
  });

  it('releases only its own holding', async () => {
    const prefix = uniquePrefix('release');
    const a = await join(prefix, 'a');
    const b = await join(prefix, 'b');
    const token = await a.lock!.tryAcquire();
    await b.lock!.release(token!);
    expect(await createRevision(`${prefix}/default/leader`)).toBe(token);
    await a.lock!.release(token! - 1n); // a stale token: not this holding
    expect(await createRevision(`${prefix}/default/leader`)).toBe(token);
    await a.lock!.release(token!);
    expect(await leaseOfKey(admin, `${prefix}/default/leader`)).toBeUndefined();
  });

  it('reports the holder first, then every change, with the token', async () => {
    const prefix = uniquePrefix('holder');
    const a = await join(prefix, 'a');
    const b = await join(prefix, 'b');
    const seen: LockHolder[] = [];
    b.lock!.watchHolder((holder) => seen.push(holder));
    expect(seen).toEqual([null]);
    const token = await a.lock!.tryAcquire();
    await waitFor(() => seen.length === 2, { timeoutMs: 2000, message: 'the holder change' });
    expect(seen[1]).toEqual({ id: 'a', token });
    await a.leave(); // revokes the lease: the leader key goes with it
    await waitFor(() => seen.length === 3, { timeoutMs: 2000, message: 'the lock to be free' });
    expect(seen[2]).toBeNull();
  });

  it("watchHolder: each holder comes with its revision, on the tokens' scale (a deletion by hand at or after the token)", async () => {
    const prefix = uniquePrefix('lock-revision');
    const a = await join(prefix, 'a');
    const seen: { holder: LockHolder; revision: bigint | undefined }[] = [];
    a.lock!.watchHolder((holder, revision) => seen.push({ holder, revision }));
    const token = (await a.lock!.tryAcquire()) as bigint;
    await waitFor(() => seen.length === 2, { timeoutMs: 2000, message: 'the holding shown' });
    await admin.delete().key(`${prefix}/default/leader`); // an operator, by hand
    await waitFor(() => seen.length === 3, { timeoutMs: 2000, message: 'the deletion shown' });
    const [before, held, deleted] = seen;
    expect(before?.holder).toBeNull();
    expect(before?.revision).toBeLessThan(token); // the state before the holding: not its end
    expect(held).toEqual({ holder: { id: 'a', token }, revision: token });
    expect(deleted?.holder).toBeNull();
    expect(deleted?.revision).toBeGreaterThan(token); // tells core the holding is gone
    // A new subscriber (a resync alike) gets the state with the view's revision.
    const late: (bigint | undefined)[] = [];
    a.lock!.watchHolder((_holder, revision) => late.push(revision));
    expect(late).toEqual([deleted?.revision]);
  });
});

describe('malformed entries', () => {
  it('skips garbage under the prefix and logs each bad key once, without crashing', async () => {
    const prefix = uniquePrefix('garbage');
    const root = `${prefix}/default`;
    const garbage: Record<string, string> = {
      [`${root}/members/not-json`]: 'hello',
      [`${root}/members/wrong-id`]: '{"id":"someone-else"}',
      [`${root}/members/bad-priority`]: '{"id":"bad-priority","priority":"high"}',
      [`${root}/members/array`]: '[1,2]',
      [`${root}/members/x/y`]: '{"id":"x"}',
      [`${root}/unexpected`]: '1',
    };
    for (const [key, value] of Object.entries(garbage)) await admin.put(key).value(value);
    const logger = recordingLogger();
    const errors: Error[] = [];
    const a = await join(prefix, 'a', logger);
    a.onError((error) => errors.push(error));
    const seen = trackMembers(a);
    expect(seen.ids()).toEqual(['a']);
    const warnedKeys = () =>
      logger.records.filter((r) => r.level === 'warn').map((r) => r.fields.key as string);
    expect(warnedKeys().sort()).toEqual(Object.keys(garbage).sort());
    expect(logger.records.find((r) => r.fields.key === `${root}/members/wrong-id`)?.message).toMatch(
      /does not match the key/,
    );

    // Garbage arriving through the watch: logged once, however often it is rewritten.
    await admin.put(`${root}/members/late`).value('{broken');
    await admin.put(`${root}/members/late`).value('{still broken');
    await admin.put(`${root}/members/b`).value('{"id":"b","priority":1,"observer":false,"meta":{}}');
    await waitFor(() => seen.ids().join() === 'a,b', {
      timeoutMs: 2000,
      message: 'valid member b to appear',
    });
    expect(warnedKeys().filter((key) => key === `${root}/members/late`)).toHaveLength(1);
    expect(errors.filter((error) => error instanceof MalformedEntryError)).toHaveLength(1);

    // A valid member turning into garbage leaves the view.
    await admin.put(`${root}/members/b`).value('not json any more');
    await waitFor(() => seen.ids().join() === 'a', { timeoutMs: 2000, message: 'b to leave the view' });
    expect(seen.events.at(-1)).toEqual({ type: 'delete', id: 'b' });
  });

  it('never reports a lock with an unreadable value as free', async () => {
    const prefix = uniquePrefix('bad-leader');
    await admin.put(`${prefix}/default/leader`).value('');
    const a = await join(prefix, 'a');
    const seen: LockHolder[] = [];
    a.lock!.watchHolder((holder) => seen.push(holder));
    expect(seen[0]).not.toBeNull();
    expect(await a.lock!.tryAcquire()).toBeNull();
  });
});
