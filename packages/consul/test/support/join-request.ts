import {
  type Clock,
  type JoinRequest,
  type Logger,
  type Member,
  silentLogger,
  systemClock,
} from '@election/core';

/** A JoinRequest as core would send it, with test-friendly defaults (10 s TTL, system clock). */
export function joinRequest(
  member: Member | string,
  overrides: {
    ttlMs?: number;
    clock?: Clock;
    logger?: Logger;
    signal?: AbortSignal;
    takeover?: boolean;
  } = {},
): JoinRequest {
  return {
    member: typeof member === 'string' ? { id: member } : member,
    ttlMs: overrides.ttlMs ?? 10_000,
    clock: overrides.clock ?? systemClock,
    logger: overrides.logger ?? silentLogger,
    signal: overrides.signal ?? new AbortController().signal,
    takeover: overrides.takeover ?? false,
  };
}
