import {
  type Clock,
  type Logger,
  type Member,
  type MembershipBackend,
  type MembershipEvent,
  type MembershipSession,
  systemClock,
} from '@election/core';

export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A pino-shaped logger that keeps what it is given, for assertions on what was logged. */
export function recordingLogger(
  records: LogRecord[] = [],
  bindings: Record<string, unknown> = {},
): Logger & {
  records: LogRecord[];
} {
  const at =
    (level: LogRecord['level']) =>
    (first: object | string, message?: string): void => {
      if (typeof first === 'string') records.push({ level, fields: { ...bindings }, message: first });
      else
        records.push({
          level,
          fields: { ...bindings, ...(first as Record<string, unknown>) },
          message: message ?? '',
        });
    };
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(records, { ...bindings, ...more }),
  };
}

export interface JoinOptions {
  readonly ttlMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly takeover?: boolean;
}

/** Joins `backend` directly, as core would, with the real clock. */
export function joinAs(
  backend: MembershipBackend,
  member: Member,
  options: JoinOptions = {},
): Promise<MembershipSession> {
  return backend.join({
    member,
    ttlMs: options.ttlMs ?? 2000,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? recordingLogger(),
    signal: options.signal ?? new AbortController().signal,
    takeover: options.takeover ?? false,
  });
}

/** Keeps the membership a session reports, applying snapshots and deltas like core does. */
export function trackMembers(session: MembershipSession): {
  readonly ids: () => string[];
  readonly events: MembershipEvent[];
  readonly stop: () => void;
} {
  const members = new Map<string, Member>();
  const events: MembershipEvent[] = [];
  const stop = session.watchMembers((event) => {
    events.push(event);
    if (event.type === 'snapshot') {
      members.clear();
      for (const member of event.members) members.set(member.id, member);
    } else if (event.type === 'put') members.set(event.member.id, event.member);
    else members.delete(event.id);
  });
  return { ids: () => [...members.keys()].sort(), events, stop };
}

/** A unique key prefix per test, so tests never see each other's keys (also on a shared etcd). */
export function uniquePrefix(name: string): string {
  return `test-${name}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
