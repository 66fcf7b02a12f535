import type { ServerResponse } from 'node:http';
import { SimulatorHttpError } from './simulator-error.js';
import { kvJson } from './simulator-kv-routes.js';
import { sendJson } from './simulator-respond.js';
import type { SimulatorState, TxnKvOp } from './simulator-state.js';

/** The KV verbs the simulator's /v1/txn models (api.KVOp): the ones the adapter sends. */
const VERBS = new Set(['get', 'check-index', 'check-session', 'lock', 'unlock']);

/**
 * PUT /v1/txn, KV operations only (agent/txn_endpoint.go: the body is a JSON array of
 * `{ "KV": { Verb, Key, Value (base64), Index, Session, Flags } }`). All or nothing: 200 with
 * `{ Results, Errors: null }`, or 409 with `{ Results: null, Errors: [{ OpIndex, What }] }` when an
 * operation failed, as Consul answers a rolled-back transaction.
 */
export function putTxn(
  res: ServerResponse,
  state: SimulatorState,
  body: Buffer,
  canWrite: (key: string) => boolean = () => true,
): void {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    throw new SimulatorHttpError(400, 'Failed to parse body: invalid JSON');
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new SimulatorHttpError(400, 'no operations');
  const ops: TxnKvOp[] = raw.map((item: unknown, index) => {
    const kv = (item as { KV?: Record<string, unknown> } | null)?.KV;
    if (kv === undefined || typeof kv.Verb !== 'string' || typeof kv.Key !== 'string')
      throw new SimulatorHttpError(400, `operation ${index}: only KV operations are simulated`);
    if (!VERBS.has(kv.Verb)) throw new SimulatorHttpError(400, `unknown KV verb "${kv.Verb}"`);
    if (kv.Verb !== 'get' && !canWrite(kv.Key)) throw new SimulatorHttpError(403, 'Permission denied');
    return {
      verb: kv.Verb as TxnKvOp['verb'],
      key: kv.Key,
      value: typeof kv.Value === 'string' ? Buffer.from(kv.Value, 'base64') : Buffer.alloc(0),
      flags: typeof kv.Flags === 'number' ? kv.Flags : 0,
      index: typeof kv.Index === 'number' ? kv.Index : 0,
      session: typeof kv.Session === 'string' ? kv.Session : '',
    };
  });
  const outcome = state.kvTxn(ops);
  if (outcome.ok) {
    sendJson(res, 200, { Results: outcome.results.map((record) => ({ KV: kvJson(record) })), Errors: null });
    return;
  }
  sendJson(res, 409, { Results: null, Errors: [{ OpIndex: outcome.opIndex, What: outcome.what }] });
}
