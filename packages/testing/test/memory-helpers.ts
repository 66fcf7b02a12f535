import type {
  LockHolder,
  Member,
  MembershipBackend,
  MembershipEvent,
  MembershipSession,
} from '@election/core';
import { silentLogger } from '@election/core';
import type { ManualClock } from '../src/index.js';

/** Joins `member` the way core does, on the cluster's clock. */
export function join(
  backend: MembershipBackend,
  clock: ManualClock,
  member: Member,
  ttlMs = 3000,
): Promise<MembershipSession> {
  return backend.join({
    member,
    ttlMs,
    clock,
    logger: silentLogger,
    signal: new AbortController().signal,
    takeover: false,
  });
}

/** Replays membership events into the id list a node would believe in. */
export function trackMembers(session: MembershipSession): { ids: () => string[]; events: MembershipEvent[] } {
  const view = new Map<string, Member>();
  const events: MembershipEvent[] = [];
  session.watchMembers((event) => {
    events.push(event);
    if (event.type === 'snapshot') {
      view.clear();
      for (const member of event.members) view.set(member.id, member);
    } else if (event.type === 'put') view.set(event.member.id, event.member);
    else view.delete(event.id);
  });
  return { ids: () => [...view.keys()].sort(), events };
}

export function trackHolder(session: MembershipSession): LockHolder[] {
  const seen: LockHolder[] = [];
  session.lock?.watchHolder((holder) => seen.push(holder));
  return seen;
}

export function lostCauses(session: MembershipSession): Error[] {
  const causes: Error[] = [];
  session.onLost((cause) => causes.push(cause));
  return causes;
}
