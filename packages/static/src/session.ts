import type {
  JoinRequest,
  Logger,
  Member,
  MembershipEvent,
  MembershipSession,
  Unsubscribe,
} from '@election/core';
import { type ResolvedOptions, type StaticMemberConfig, toMember } from './options.js';
import { type Prober, startProber } from './prober.js';

/**
 * A static node cannot lose its own registration: nothing expires it, the list is fixed. The deadline
 * is therefore unbounded; peers notice a dead node through their probes instead.
 */
const NO_DEADLINE = Number.POSITIVE_INFINITY;

function safeCall<T>(logger: Logger, listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (error) {
    logger.error({ err: error }, 'a static membership listener threw');
  }
}

export interface StaticSession extends MembershipSession {
  /** Resolves once the first probe of every peer has answered or timed out. */
  readonly ready: Promise<void>;
}

/** One joined node: itself (always alive to itself) plus the peers its probes find alive. */
export function openSession(
  options: ResolvedOptions,
  self: StaticMemberConfig,
  request: JoinRequest,
  onClosed: () => void,
): StaticSession {
  const logger = request.logger;
  const view = new Map<string, Member>([
    [self.id, { ...toMember(self), meta: self.meta ?? request.member.meta }],
  ]);
  const watchers = new Set<(event: MembershipEvent) => void>();
  let closed = false;

  const emit = (event: MembershipEvent) => {
    for (const watcher of [...watchers]) safeCall(logger, watcher, event);
  };

  const prober: Prober = startProber({
    targets: options.members.filter((member) => member.id !== self.id),
    probe: options.probe,
    clock: request.clock,
    logger,
    onChange(member, alive) {
      if (closed) return;
      if (alive && !view.has(member.id)) {
        const entry = toMember(member);
        view.set(member.id, entry);
        emit({ type: 'put', member: entry });
      } else if (!alive && view.delete(member.id)) {
        emit({ type: 'delete', id: member.id });
      }
    },
  });

  const shutdown = () => {
    if (closed) return;
    closed = true;
    prober.stop();
    watchers.clear();
    onClosed();
  };

  return {
    ready: prober.ready,
    deadline: () => NO_DEADLINE,
    watchMembers(listener): Unsubscribe {
      if (closed) return () => {};
      watchers.add(listener);
      safeCall(logger, listener, { type: 'snapshot', members: [...view.values()] });
      return () => {
        watchers.delete(listener);
      };
    },
    // Never fires: see NO_DEADLINE.
    onLost: () => () => {},
    // Probe failures are liveness results, not errors; nothing else can go wrong without I/O of our own.
    onError: () => () => {},
    async leave() {
      // Nothing to deregister: peers see this node go when its /healthz stops answering.
      shutdown();
    },
    close() {
      shutdown();
    },
  };
}
