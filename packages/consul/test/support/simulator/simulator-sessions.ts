import { randomUUID } from 'node:crypto';
import { parseGoDuration } from '../../../src/duration.js';
import { formatGoDuration, parseDurationField } from './go-duration.js';
import { SimulatorHttpError } from './simulator-error.js';

export interface SimSession {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  readonly lockDelayMs: number;
  readonly behavior: 'release' | 'delete';
  /** As given, e.g. "10s"; "" for a session without TTL. */
  readonly ttl: string;
  readonly ttlMs: number;
  readonly nodeChecks: readonly string[];
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export const SESSION_TTL_MAX_MS = 86_400_000;
/** Consul caps lock-delay at 60 s. */
export const MAX_LOCK_DELAY_MS = 60_000;

/**
 * Builds a session from a /v1/session/create body the way Consul's HTTP handler and Session.Apply
 * do: defaults (agent node, serfHealth check, 15 s lock-delay, behavior release), then validation
 * with Consul's error texts (answered as HTTP 500, as Consul answers RPC errors).
 */
export function buildSession(
  body: Record<string, unknown>,
  context: { readonly idx: number; readonly node: string; readonly minTtlMs: number },
): SimSession {
  const behavior = body.Behavior === undefined || body.Behavior === '' ? 'release' : body.Behavior;
  if (behavior !== 'release' && behavior !== 'delete') {
    throw new SimulatorHttpError(500, `Invalid Behavior setting '${String(behavior)}'`);
  }
  const node = body.Node === undefined ? context.node : body.Node;
  if (node !== context.node) throw new SimulatorHttpError(500, 'Missing node registration');
  const ttl = typeof body.TTL === 'string' ? body.TTL : '';
  let ttlMs = 0;
  if (ttl !== '') {
    const parsed = parseGoDuration(ttl);
    if (parsed === undefined)
      throw new SimulatorHttpError(500, `Session TTL '${ttl}' invalid: time: invalid duration "${ttl}"`);
    ttlMs = parsed;
    if (ttlMs !== 0 && (ttlMs < context.minTtlMs || ttlMs > SESSION_TTL_MAX_MS)) {
      throw new SimulatorHttpError(
        500,
        `Invalid Session TTL '${Math.round(ttlMs * 1e6)}', must be between [${formatGoDuration(context.minTtlMs)}=${formatGoDuration(SESSION_TTL_MAX_MS)}]`,
      );
    }
  }
  const lockDelayMs = body.LockDelay === undefined ? 15_000 : parseDurationField(body.LockDelay);
  if (lockDelayMs === undefined || lockDelayMs < 0) {
    throw new SimulatorHttpError(
      400,
      `Request decode failed: invalid LockDelay ${JSON.stringify(body.LockDelay)}`,
    );
  }
  const checks = Array.isArray(body.NodeChecks)
    ? body.NodeChecks
    : Array.isArray(body.Checks)
      ? body.Checks
      : ['serfHealth'];
  return {
    id: randomUUID(),
    name: typeof body.Name === 'string' ? body.Name : '',
    node: context.node,
    lockDelayMs: Math.min(lockDelayMs, MAX_LOCK_DELAY_MS),
    behavior,
    ttl,
    ttlMs,
    nodeChecks: checks.map(String),
    createIndex: context.idx,
    modifyIndex: context.idx,
  };
}

/** The JSON Consul returns for a session (LockDelay in nanoseconds). */
export function sessionJson(session: SimSession): Record<string, unknown> {
  return {
    ID: session.id,
    Name: session.name,
    Node: session.node,
    LockDelay: Math.round(session.lockDelayMs * 1e6),
    Behavior: session.behavior,
    TTL: session.ttl,
    NodeChecks: session.nodeChecks,
    ServiceChecks: null,
    CreateIndex: session.createIndex,
    ModifyIndex: session.modifyIndex,
  };
}
