import type {
  BackendCapabilities,
  HolderListener,
  JoinRequest,
  LeaderLock,
  LockHolder,
  MembershipBackend,
  MembershipEvent,
  MembershipSession,
} from '../../src/index.js';

type Listener<T> = (value: T) => void;

/** A session whose every input the test drives by hand: membership events, renewals, the lock. */
export interface ScriptedSession extends MembershipSession {
  readonly request: JoinRequest;
  emit(event: MembershipEvent): void;
  /** Moves the deadline as an acknowledged renewal would. */
  renew(deadline: number): void;
  lose(cause?: Error): void;
  /** Reports trouble the adapter rides out (a failed renewal), as `onError`. */
  fail(error: Error): void;
  /** The holder watch delivers `holder`, at `revision` when given (as etcd, Consul, memory do). */
  setHolder(holder: LockHolder, revision?: bigint): void;
  /** What the next tryAcquire calls answer; a function is called per attempt. */
  acquireWith: () => Promise<bigint | null>;
  /** What the next release calls do; default: resolve. */
  releaseWith: (token: bigint) => Promise<void>;
  releases: number;
  /** The token of every release call, in order. */
  releasedTokens: bigint[];
  acquires: number;
  left: boolean;
  closed: boolean;
}

export interface ScriptedBackend extends MembershipBackend {
  readonly sessions: ScriptedSession[];
  /** What join() does next; default: open a session whose deadline is now + ttl. */
  joinWith: (request: JoinRequest) => Promise<ScriptedSession>;
  openSession(request: JoinRequest): ScriptedSession;
}

export function createScriptedBackend(capabilities: Partial<BackendCapabilities> = {}): ScriptedBackend {
  const caps: BackendCapabilities = {
    lock: true,
    minTtlMs: 1000,
    maxTtlMs: 60_000,
    wholeSecondTtl: false,
    defaultTtlMs: 3000,
    ...capabilities,
  };
  const backend: ScriptedBackend = {
    name: 'scripted',
    capabilities: caps,
    sessions: [],
    joinWith: async (request) => backend.openSession(request),
    openSession(request) {
      const session = createScriptedSession(request, caps.lock);
      backend.sessions.push(session);
      return session;
    },
    join: (request) => backend.joinWith(request),
    close: async () => {},
  };
  return backend;
}

function createScriptedSession(request: JoinRequest, withLock: boolean): ScriptedSession {
  const members = new Set<Listener<MembershipEvent>>();
  const lost = new Set<Listener<Error>>();
  const errors = new Set<Listener<Error>>();
  const holders = new Set<HolderListener>();
  let deadline = request.clock.now() + request.ttlMs;
  let holder: LockHolder = null;
  let holderRevision: bigint | undefined;
  const lock: LeaderLock = {
    tryAcquire: () => {
      session.acquires++;
      return session.acquireWith();
    },
    release: (token) => {
      session.releases++;
      session.releasedTokens.push(token);
      return session.releaseWith(token);
    },
    watchHolder(listener) {
      holders.add(listener);
      listener(holder, holderRevision);
      return () => holders.delete(listener);
    },
  };
  const session: ScriptedSession = {
    request,
    releases: 0,
    releasedTokens: [],
    acquires: 0,
    releaseWith: async () => {},
    left: false,
    closed: false,
    acquireWith: async () => null,
    deadline: () => deadline,
    watchMembers(listener) {
      members.add(listener);
      return () => members.delete(listener);
    },
    onLost(listener) {
      lost.add(listener);
      return () => lost.delete(listener);
    },
    onError(listener) {
      errors.add(listener);
      return () => errors.delete(listener);
    },
    ...(withLock ? { lock } : {}),
    async leave() {
      session.left = true;
    },
    close() {
      session.closed = true;
    },
    emit: (event) => {
      for (const listener of [...members]) listener(event);
    },
    renew: (next) => {
      deadline = next;
    },
    fail: (error) => {
      for (const listener of [...errors]) listener(error);
    },
    lose: (cause = new Error('lease expired')) => {
      for (const listener of [...lost]) listener(cause);
    },
    setHolder: (next, revision) => {
      holder = next;
      holderRevision = revision;
      for (const listener of [...holders]) listener(next, revision);
    },
  };
  return session;
}
