import {
  type JoinRequest,
  Listeners,
  type Member,
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
  readonly #view: Map<string, Member>;
  readonly #watchers: Listeners<MembershipEvent>;
  readonly #prober: Prober;
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
        this.#prober.stop();
        this.#watchers.clear();
        onClosed();
      },
    });
    this.#view = new Map([[self.id, { ...toMember(self), meta: self.meta ?? request.member.meta }]]);
    this.#watchers = new Listeners(request.logger, 'watchMembers');
    this.#prober = startProber({
      targets: options.members.filter((member) => member.id !== self.id),
      probe: options.probe,
      clock: request.clock,
      logger: request.logger,
      onChange: (member, alive) => this.#onProbe(member, alive),
    });
    this.ready = this.#prober.ready;
  }

  deadline(): number {
    return NO_DEADLINE;
  }

  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    if (!this.#lifecycle.active) return () => {};
    // A snapshot first, to this listener alone; then every change, to every listener.
    return this.#watchers.add(listener, { value: { type: 'snapshot', members: [...this.#view.values()] } });
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

  #onProbe(member: StaticMemberConfig, alive: boolean): void {
    if (!this.#lifecycle.active) return;
    if (alive && !this.#view.has(member.id)) {
      const entry = toMember(member);
      this.#view.set(member.id, entry);
      this.#watchers.emit({ type: 'put', member: entry });
    } else if (!alive && this.#view.delete(member.id)) {
      this.#watchers.emit({ type: 'delete', id: member.id });
    }
  }
}
