import type { ServerResponse } from 'node:http';
import { SimulatorHttpError } from './simulator-error.js';
import type { KvRecord } from './simulator-kv.js';
import {
  answerBlocking,
  type BlockingContext,
  parseBlocking,
  type QueryResult,
  sendJson,
} from './simulator-respond.js';
import type { PutOptions, SimulatorState } from './simulator-state.js';

const MAX_VALUE_BYTES = 512 * 1024;

export function kvJson(record: KvRecord): Record<string, unknown> {
  return {
    LockIndex: record.lockIndex,
    Key: record.key,
    Flags: record.flags,
    Value: record.value === null ? null : record.value.toString('base64'),
    CreateIndex: record.createIndex,
    ModifyIndex: record.modifyIndex,
    ...(record.session === undefined ? {} : { Session: record.session }),
  };
}

function uint(query: URLSearchParams, name: string, error: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (text === '' || !Number.isSafeInteger(value) || value < 0) throw new SimulatorHttpError(400, error);
  return value;
}

/** GET /v1/kv/<key>: one key, ?recurse, ?keys (with ?separator) or ?raw, all blocking. */
export function getKv(
  res: ServerResponse,
  state: SimulatorState,
  context: BlockingContext,
  key: string,
  query: URLSearchParams,
  /** Whether the ACL token may read a key: lists drop the others silently (KVS.List, FilterDirEnt). */
  canRead: (key: string) => boolean = () => true,
): void {
  const params = parseBlocking(query);
  const run = (): QueryResult => {
    if (query.has('keys')) {
      const keys = state.kv.keys(key, query.get('separator') ?? undefined).filter(canRead);
      return {
        status: keys.length ? 200 : 404,
        index: state.kv.prefixIndex(key),
        ...(keys.length ? { body: keys } : {}),
      };
    }
    if (query.has('recurse')) {
      const list = state.kv.list(key).filter((record) => canRead(record.key));
      const index = state.kv.prefixIndex(key);
      return list.length ? { status: 200, index, body: list.map(kvJson) } : { status: 404, index };
    }
    // KVS.Get (agent/consul/kvs_endpoint.go): the index of a key that exists is its own
    // ModifyIndex; of a missing key, the table's (kvs and tombstones).
    const record = state.kv.get(key);
    if (!record) return { status: 404, index: state.kv.tableIndex };
    const index = record.modifyIndex;
    if (query.has('raw')) return { status: 200, index, raw: record.value ?? Buffer.alloc(0) };
    return { status: 200, index, body: [kvJson(record)] };
  };
  answerBlocking(res, context, params, run);
}

/** PUT /v1/kv/<key>: ?flags, ?cas, ?acquire, ?release; answers true or false. */
export function putKv(
  res: ServerResponse,
  state: SimulatorState,
  key: string,
  query: URLSearchParams,
  body: Buffer,
): void {
  if (key === '') throw new SimulatorHttpError(400, 'Missing key name');
  if (body.length > MAX_VALUE_BYTES) {
    throw new SimulatorHttpError(
      413,
      `Request body(${body.length} bytes) too large, max size: ${MAX_VALUE_BYTES} bytes.`,
    );
  }
  // agent/kvs_endpoint.go (KVSPut): cas, acquire and release do not combine. Older agents let the
  // last flag win (so `release` silently dropped a `cas`); current ones answer 400.
  const given = ['cas', 'acquire', 'release'].filter((flag) => query.has(flag));
  if (given.length > 1) throw new SimulatorHttpError(400, `Conflicting flags: ${query.toString()}`);
  const flags = uint(query, 'flags', 'Invalid flags');
  const cas = uint(query, 'cas', 'Invalid cas index');
  const options: PutOptions = {
    ...(flags === undefined ? {} : { flags }),
    ...(cas === undefined ? {} : { cas }),
    ...(query.has('acquire') ? { acquire: query.get('acquire') ?? '' } : {}),
    ...(query.has('release') ? { release: query.get('release') ?? '' } : {}),
  };
  if (options.acquire === '' || options.release === '') throw new SimulatorHttpError(500, 'missing session');
  sendJson(res, 200, state.kvPut(key, body, options));
}

/** DELETE /v1/kv/<key>: ?recurse, ?cas. */
export function deleteKv(
  res: ServerResponse,
  state: SimulatorState,
  key: string,
  query: URLSearchParams,
): void {
  const cas = uint(query, 'cas', 'Invalid cas index');
  const recurse = query.has('recurse');
  if (key === '' && !recurse) throw new SimulatorHttpError(400, 'Missing key name');
  sendJson(res, 200, state.kvDelete(key, { recurse, ...(cas === undefined ? {} : { cas }) }));
}
