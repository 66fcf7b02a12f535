import type { Member, MembershipBackend, MembershipEvent, MembershipSession } from '@election/core';

export interface StubBackend {
  readonly backend: MembershipBackend;
  /** Delivers one membership event to the elector, synchronously, as an adapter's watch would. */
  emit(event: MembershipEvent): void;
}

/**
 * A membership backend that does nothing but hand the elector a snapshot and then whatever events
 * the benchmark emits, synchronously: what is timed is the elector's own work per event, with no
 * network, no timers and no in-memory server in the way. The registration outlives the run.
 */
export function createStubBackend(initial: readonly Member[]): StubBackend {
  let listener: ((event: MembershipEvent) => void) | undefined;
  // Fixed and an hour away: a far-off deadline that never moves, so no renewal work is timed, and
  // small enough for a timer (Node fires timers over 2^31 - 1 ms at once).
  const deadline = performance.timeOrigin + performance.now() + 3_600_000;
  const session: MembershipSession = {
    deadline: () => deadline,
    watchMembers(next) {
      listener = next;
      next({ type: 'snapshot', members: initial });
      return () => {
        listener = undefined;
      };
    },
    onLost: () => () => {},
    onError: () => () => {},
    leave: async () => {},
    close: () => {},
  };
  const backend: MembershipBackend = {
    name: 'stub',
    capabilities: {
      lock: false,
      minTtlMs: 1,
      maxTtlMs: Number.MAX_SAFE_INTEGER,
      wholeSecondTtl: false,
      defaultTtlMs: 10_000,
    },
    join: async () => session,
    close: async () => {},
  };
  return {
    backend,
    emit(event) {
      if (listener === undefined) throw new Error('the elector is not watching the stub backend');
      listener(event);
    },
  };
}
