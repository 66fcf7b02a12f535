import type { ElectionState, Elector, ElectorEvent, Member } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createCluster, MAX_GONE } from '../src/cluster.js';
import type { ElectionStatus } from '../src/status.js';

/** Issue 20 review: the gone list of /cluster stays bounded without a timer. */
describe('/cluster gone list', () => {
  it(`keeps at most ${MAX_GONE} members as gone, the most recent ones`, async () => {
    let listener: ((event: ElectorEvent, state: ElectionState) => void) | undefined;
    let members: Member[] = [];
    const elector = {
      get state() {
        return { members } as unknown as ElectionState;
      },
      subscribe(l: (event: ElectorEvent, state: ElectionState) => void) {
        listener = l;
        return () => {
          listener = undefined;
        };
      },
    } as unknown as Elector;
    const status = () => ({ id: 'self' }) as ElectionStatus;
    const cluster = createCluster(elector, { timeoutMs: 100, goneForMs: 3_600_000, status });
    const event = { type: 'members' } as ElectorEvent;
    for (let i = 0; i < MAX_GONE + 50; i++) {
      members = [{ id: `m-${i}` }];
      listener?.(event, { members } as unknown as ElectionState);
    }
    members = [];
    listener?.(event, { members } as unknown as ElectionState);
    const view = await cluster.read();
    const gone = view.members.filter((member) => !member.present).map((member) => member.id);
    expect(gone).toHaveLength(MAX_GONE);
    expect(gone).toContain(`m-${MAX_GONE + 49}`);
    expect(gone).not.toContain('m-0');
    cluster.stop();
    expect(listener).toBeUndefined();
  });
});
