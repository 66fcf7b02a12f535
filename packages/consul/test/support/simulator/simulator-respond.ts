import type { ServerResponse } from 'node:http';
import type { Clock } from '@election/core';
import { parseGoDuration } from '../../../src/duration.js';
import { SimulatorHttpError } from './simulator-error.js';

/** One answer of a read endpoint, with the index it reflects. */
export interface QueryResult {
  readonly status: number;
  readonly index: number;
  readonly body?: unknown;
  /** Send `body` as these bytes instead of JSON (?raw). */
  readonly raw?: Buffer;
}

/**
 * Fault injection, NOT Consul semantics: misbehaviours Consul's docs warn clients about, switched on
 * by tests to prove the adapter copes with them.
 */
export interface SimulatorFaults {
  /** Answer every blocking query at once (as a busy or buggy server would): clients must not spin. */
  answerBlockingAtOnce: boolean;
  /** Send X-Consul-Index: 0 (an old Consul bug the docs describe): clients must block on 1 instead. */
  zeroIndex: boolean;
  /**
   * A raft leader election in progress: every request answers 500 "No cluster leader" and session
   * timers stop (a new leader re-arms them with a full TTL). Use `loseLeader()`/`electLeader()`.
   */
  noLeader: boolean;
  /**
   * Raft elections won so far: `/v1/status/leader` names server `8300 + elections % 3`, so a new
   * leader is another address, as in a three-server cluster.
   */
  elections: number;
  /** Every request answers 429 with an empty body, as agent/http.go answers ErrRPCRateExceeded. */
  rateLimited: boolean;
  /** Writes (leader-only operations) answer 503, as the server rate limiter's ErrRetryLater. */
  retryLater: boolean;
}

function setCommonHeaders(res: ServerResponse, index: string | undefined): void {
  if (index !== undefined) res.setHeader('X-Consul-Index', index);
  res.setHeader('X-Consul-KnownLeader', 'true');
  res.setHeader('X-Consul-LastContact', '0');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, index?: string): void {
  setCommonHeaders(res, index);
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Consul writes RPC and validation failures as plain text. */
export function sendError(res: ServerResponse, error: SimulatorHttpError): void {
  if (error.message === '') {
    res.writeHead(error.status);
    res.end();
    return;
  }
  res.writeHead(error.status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(error.message);
}

/** Consul never reports an index below 1; the zero-index fault reports (and blocks on) 0. */
function effectiveIndex(result: QueryResult, faults: SimulatorFaults): number {
  return faults.zeroIndex ? 0 : Math.max(1, result.index);
}

function sendResult(res: ServerResponse, result: QueryResult, faults: SimulatorFaults): void {
  const index = String(effectiveIndex(result, faults));
  if (result.raw !== undefined) {
    setCommonHeaders(res, index);
    res.writeHead(result.status, { 'Content-Type': 'application/octet-stream' });
    res.end(result.raw);
    return;
  }
  sendJson(res, result.status, result.body, index);
}

const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;

export interface BlockingParams {
  readonly minIndex: number;
  readonly waitMs: number;
}

/** `index` and `wait` as Consul reads them: wait defaults to 5 min, is capped at 10 min. */
export function parseBlocking(query: URLSearchParams): BlockingParams {
  const indexText = query.get('index');
  const minIndex = indexText === null || indexText === '' ? 0 : Number(indexText);
  if (!Number.isSafeInteger(minIndex) || minIndex < 0) throw new SimulatorHttpError(400, 'Invalid index');
  const waitText = query.get('wait');
  const wait = waitText === null ? DEFAULT_WAIT_MS : parseGoDuration(waitText);
  if (wait === undefined || wait < 0) throw new SimulatorHttpError(400, 'Invalid wait time');
  return { minIndex, waitMs: Math.min(wait, MAX_WAIT_MS) };
}

export interface BlockingContext {
  readonly faults: SimulatorFaults;
  readonly clock: Clock;
  readonly random: () => number;
  readonly onChange: (listener: () => void) => () => void;
}

/**
 * Consul's blocking query: with index 0 (or an index the data is already past) answer at once;
 * otherwise hold the request until the query's index exceeds it or the wait (plus up to wait/16
 * of jitter) runs out, then answer with whatever is current, whatever its index.
 */
export function answerBlocking(
  res: ServerResponse,
  context: BlockingContext,
  params: BlockingParams,
  run: () => QueryResult,
): void {
  const first = run();
  const past = (result: QueryResult) => effectiveIndex(result, context.faults) > params.minIndex;
  if (params.minIndex === 0 || past(first) || context.faults.answerBlockingAtOnce) {
    sendResult(res, first, context.faults);
    return;
  }
  let done = false;
  const stopWaiting = () => {
    done = true;
    unsubscribe();
    cancelTimer();
  };
  const finish = () => {
    if (done) return;
    stopWaiting();
    sendResult(res, run(), context.faults);
  };
  const unsubscribe = context.onChange(() => {
    if (!done && past(run())) finish();
  });
  const jitter = context.random() * (params.waitMs / 16);
  const cancelTimer = context.clock.setTimer(finish, params.waitMs + jitter);
  // The client hung up (its timeout, a cancel, the listener stopping): forget the request.
  res.on('close', () => {
    if (!done) stopWaiting();
  });
}
