import {
  ElectionFeed,
  type JoinRequest,
  type MembershipEvent,
  type MembershipSession,
  SessionLifecycle,
  type Unsubscribe,
} from '@election/core/adapter';
import { type ResolvedOptions, type StaticMemberConfig, toMember } from './options.js';
import { type Prober, startProber } from './prober.js';
import { SOURCE } from './source.js';

/**
 * A static node cannot lose its own registration: nothing expires it, the list is fixed. The deadline
 * is therefore unbounded; peers notice a dead node through their probes instead.
 */
const NO_DEADLINE = Number.POSITIVE_INFINITY;

/** One joined node: itself (always alive to itself) plus the peers its probes find alive. */
export class StaticSession implements MembershipSession {
  /** Resolves once the first probe of every peer has answered or timed out. */
  readonly ready: Promise<void>;
  readonly #feed: ElectionFeed;
  #prober: Prober | undefined;
  readonly #lifecycle: SessionLifecycle;

  constructor(
    options: ResolvedOptions,
    self: StaticMemberConfig,
    request: JoinRequest,
    onClosed: () => void,
  ) {
    this.#lifecycle = new SessionLifecycle({
      logger: request.logger,
      source: SOURCE,
      what: 'static session',
      stop: () => {
        this.#feed.stop();
        onClosed();
      },
    });
    const members = [{ ...toMember(self), meta: self.meta ?? request.member.meta }];
    // The kit's feed with the probes as its follow: each liveness flip is a put or a delete (a put
    // of a member already shown, or a delete of one not shown, changes nothing). No probe loop
    // fails as a whole, so the feed never has to read the view again.
    this.#feed = new ElectionFeed({
      clock: request.clock,
      logger: request.logger,
      initial: { members },
      read: async () => ({ members }),
      follow: (_from, sink) => {
        this.#prober = startProber({
          targets: options.members.filter((member) => member.id !== self.id),
          probe: options.probe,
          clock: request.clock,
          logger: request.logger,
          onChange: (member, alive) =>
            sink.changes(() => [
              {
                member: alive ? { type: 'put', member: toMember(member) } : { type: 'delete', id: member.id },
              },
            ]),
        });
        return () => this.#prober?.stop();
      },
      onError: () => {},
    });
    this.#feed.start();
    this.ready = this.#prober?.ready ?? Promise.resolve();
  }

  deadline(): number {
    return NO_DEADLINE;
  }

  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    if (!this.#lifecycle.active) return () => {};
    // A snapshot first, to this listener alone; then every change, to every listener.
    return this.#feed.watchMembers(listener);
  }

  /** Never fires: see NO_DEADLINE. */
  onLost(): Unsubscribe {
    return () => {};
  }

  /** Probe failures are liveness results, not errors; nothing else can go wrong without I/O of our own. */
  onError(): Unsubscribe {
    return () => {};
  }

  /** Nothing to deregister: peers see this node go when its /healthz stops answering. */
  async leave(): Promise<void> {
    this.#lifecycle.end('left');
  }

  close(): void {
    this.#lifecycle.end('closed');
  }
}
