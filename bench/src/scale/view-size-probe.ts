import type { MembershipBackend, MembershipEvent, MembershipSession } from '@election/core';

export interface ViewSizeProbe {
  readonly backend: MembershipBackend;
  /** How many sessions currently see exactly `size` members. */
  countSeeing(size: number): number;
  /** Sessions opened so far (a member whose registration was lost opens another). */
  sessionsOpened(): number;
}

/**
 * Wraps a backend to count, per session, the members its watch has delivered, without attaching a
 * listener to the elector (which would make each change cost a sort of the view; see scale-worker).
 * The scale run uses it to know when the join storm has fully reached every member.
 */
export function probeViewSizes(inner: MembershipBackend): ViewSizeProbe {
  const sizes = new Map<MembershipSession, Set<string>>();
  let opened = 0;
  const track = (session: MembershipSession, event: MembershipEvent) => {
    let ids = sizes.get(session);
    if (ids === undefined) {
      ids = new Set();
      sizes.set(session, ids);
    }
    if (event.type === 'snapshot') {
      ids.clear();
      for (const member of event.members) ids.add(member.id);
    } else if (event.type === 'put') ids.add(event.member.id);
    else ids.delete(event.id);
  };
  const wrap = (session: MembershipSession): MembershipSession => ({
    deadline: () => session.deadline(),
    watchMembers: (listener) =>
      session.watchMembers((event) => {
        track(session, event);
        listener(event);
      }),
    onLost: (listener) => session.onLost(listener),
    onError: (listener) => session.onError(listener),
    ...(session.lock === undefined ? {} : { lock: session.lock }),
    leave: () => {
      sizes.delete(session);
      return session.leave();
    },
    close: () => {
      sizes.delete(session);
      session.close();
    },
  });
  return {
    backend: {
      name: inner.name,
      capabilities: inner.capabilities,
      join: async (request) => {
        const session = wrap(await inner.join(request));
        opened += 1;
        return session;
      },
      close: () => inner.close(),
    },
    sessionsOpened: () => opened,
    countSeeing(size) {
      let count = 0;
      for (const ids of sizes.values()) if (ids.size === size) count += 1;
      return count;
    },
  };
}
