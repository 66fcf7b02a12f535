import {
  abortable,
  type BackendCapabilities,
  BackendLifecycle,
  ConfigurationError,
  DuplicateMemberError,
  type JoinRequest,
  type MembershipBackend,
  type MembershipSession,
} from '@election/core/adapter';
import {
  type ResolvedOptions,
  resolveOptions,
  type StaticMemberConfig,
  type StaticMembershipOptions,
} from './options.js';
import { probeOnce } from './prober.js';
import { StaticSession } from './session.js';
import { SOURCE } from './source.js';

/**
 * No registration exists, so no TTL applies; the range only has to accept whatever core passes.
 * Leadership therefore has no deadline either (see session.ts).
 */
const CAPABILITIES: BackendCapabilities = {
  lock: false,
  minTtlMs: 1,
  maxTtlMs: Number.MAX_SAFE_INTEGER,
  wholeSecondTtl: false,
  defaultTtlMs: 10_000,
};

function describeList(options: ResolvedOptions): string {
  return options.members.map((member) => `"${member.id}"`).join(', ');
}

/** Finds the joining node in the list and checks it agrees with it; throws ConfigurationError otherwise. */
function findSelf(options: ResolvedOptions, request: JoinRequest) {
  const { member } = request;
  const self = options.members.find((entry) => entry.id === member.id);
  if (self === undefined) {
    throw new ConfigurationError(
      `"${member.id}" is not in the static member list (${describeList(options)}). ` +
        'Add it to members, or start this node with one of the listed ids.',
      { source: SOURCE },
    );
  }
  // Every node elects from its own copy of the list, so the list must be the one truth about rank.
  if (
    (member.priority ?? 0) !== (self.priority ?? 0) ||
    Boolean(member.observer) !== Boolean(self.observer)
  ) {
    throw new ConfigurationError(
      `"${member.id}" joins with priority ${member.priority ?? 0}, observer ${Boolean(member.observer)}, ` +
        `but the static list says priority ${self.priority ?? 0}, observer ${Boolean(self.observer)}. ` +
        'Set them in the member list only, so every node ranks this node the same way.',
      { source: SOURCE },
    );
  }
  const peerWithoutUrl =
    options.probe.check === undefined
      ? options.members.find((entry) => entry.id !== self.id && entry.url === undefined)
      : undefined;
  if (peerWithoutUrl !== undefined) {
    throw new ConfigurationError(
      `member "${peerWithoutUrl.id}" has no url, so "${self.id}" cannot probe it. ` +
        'Give it a url (only the local node may omit it) or pass a probe function.',
      { source: SOURCE },
    );
  }
  return self;
}

/** With `checkDuplicates`: the joining member must not already answer its own probe. */
async function rejectDuplicate(
  options: ResolvedOptions,
  self: StaticMemberConfig,
  request: JoinRequest,
  signal: AbortSignal,
) {
  // Without a url or a probe function there is nothing to ask.
  if (self.url === undefined && options.probe.check === undefined) return;
  const alive = await probeOnce(self, options.probe, request.clock, request.logger, signal);
  signal.throwIfAborted();
  if (alive) {
    const where = self.url === undefined ? 'its probe' : `${self.url}${options.probe.path}`;
    throw new DuplicateMemberError(
      self.id,
      `"${self.id}" already answers at ${where}: another live process holds this id, and keeps it. ` +
        'Stop that process first, or start this one with another id.',
      { source: SOURCE },
    );
  }
}

/**
 * Membership from a fixed list, with liveness by health probes. View mode only: there is no shared
 * store, so nothing can arbitrate between two nodes whose probes disagree (a network partition gives
 * two leaders). Use @election/etcd or @election/consul when at most one leader must hold.
 */
export function createStaticMembership(options: StaticMembershipOptions): MembershipBackend {
  return new StaticBackend(resolveOptions(options));
}

/**
 * The backend opens nothing of its own: each session owns its probe loops (timers and one
 * connection per probe, closed after the answer) and ends them in leave() or close(). So there is no
 * `retain()`: once the elector has stopped, nothing of this package keeps the process alive.
 */
class StaticBackend implements MembershipBackend {
  readonly name = 'static';
  readonly capabilities = CAPABILITIES;
  /** For messages: "3 static members". */
  readonly endpoint: string;
  readonly #options: ResolvedOptions;
  readonly #lifecycle = new BackendLifecycle({
    source: SOURCE,
    what: 'static membership backend',
    closedMessage: 'join() on a closed static membership; create a new one with createStaticMembership().',
  });

  constructor(options: ResolvedOptions) {
    this.#options = options;
    const count = options.members.length;
    this.endpoint = `${count} static member${count === 1 ? '' : 's'}`;
  }

  join(request: JoinRequest): Promise<MembershipSession> {
    return this.#lifecycle.join({
      signal: request.signal,
      // `signal` aborts on the request's signal or on close(): the self-probe stops at once.
      register: async (_, signal) => {
        const self = findSelf(this.#options, request);
        if (this.#options.checkDuplicates) await rejectDuplicate(this.#options, self, request, signal);
        return self;
      },
      open: (self, _, ended) => new StaticSession(this.#options, self, request, ended),
      // The first probe round, so the first snapshot already holds the live peers; otherwise every
      // starting node would see itself alone and lead for an interval.
      ready: (session, signal) => abortable(session.ready, signal, () => {}),
    });
  }

  /** Ends every session's probes; later joins fail. Idempotent. */
  close(): Promise<void> {
    return this.#lifecycle.close();
  }
}
