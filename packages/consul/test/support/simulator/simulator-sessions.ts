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
  context: {
    readonly idx: number;
    /** The node of the agent that received the request: the session's node unless the body names one. */
    readonly node: string;
    /** Nodes the catalog knows: a session may only be bound to one of them. */
    readonly knownNodes: ReadonlySet<string>;
    readonly minTtlMs: number;
  },
): SimSession {
  const behavior = body.Behavior === undefined || body.Behavior === '' ? 'release' : body.Behavior;
  if (behavior !== 'release' && behavior !== 'delete') {
    throw new SimulatorHttpError(500, `Invalid Behavior setting '${String(behavior)}'`);
  }
  const node = body.Node === undefined ? context.node : body.Node;
  if (typeof node !== 'string' || !context.knownNodes.has(node))
    throw new SimulatorHttpError(500, 'Missing node registration');
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
  const nodeChecks = sessionNodeChecks(body);
  return {
    id: randomUUID(),
    name: typeof body.Name === 'string' ? body.Name : '',
    node,
    // Stored as sent, as Consul does; the 60 s cap applies when the delay is armed.
    lockDelayMs,
    behavior,
    ttl,
    ttlMs,
    nodeChecks,
    createIndex: context.idx,
    modifyIndex: context.idx,
  };
}

/** A body field as Go's JSON decoder finds it: field names match case-insensitively. */
function field(body: Record<string, unknown>, name: string): { readonly value: unknown } | undefined {
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : { value: body[key] };
}

function checkList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * The node checks a new session is bound to, as a current agent decides them (agent/session_endpoint.go,
 * SessionCreate and fixupEmptySessionChecks): both `NodeChecks` and the pre-1.7 `Checks` default to
 * `["serfHealth"]`; an explicit empty `Checks` empties `NodeChecks` too (how agents before 1.7 took
 * the serf check out, which they still honour: FixupChecks there drops the default as soon as the
 * body names `Checks`); a `Checks` left at its default defers to `NodeChecks`; an explicit empty
 * `NodeChecks` drops the default `Checks`. The session keeps the union (structs.Session.CheckIDs).
 */
export function sessionNodeChecks(body: Record<string, unknown>): string[] {
  const checksField = field(body, 'Checks');
  const nodeChecksField = field(body, 'NodeChecks');
  let checks: string[] | undefined =
    checksField === undefined ? ['serfHealth'] : checkList(checksField.value);
  let nodeChecks = nodeChecksField === undefined ? ['serfHealth'] : checkList(nodeChecksField.value);
  if (checks.length === 0) nodeChecks = [];
  else if (checks.length === 1 && checks[0] === 'serfHealth') checks = undefined;
  else if (nodeChecks.length === 0) checks = undefined;
  return [...new Set([...nodeChecks, ...(checks ?? [])])];
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
