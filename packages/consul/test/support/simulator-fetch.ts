import type { ConsulSimulator } from './consul-simulator.js';

export interface SimulatorAnswer {
  readonly status: number;
  /** X-Consul-Index as a number, NaN when absent. */
  readonly index: number;
  readonly text: string;
  readonly headers: Headers;
  json<T = unknown>(): T;
}

/** One raw HTTP request to the simulator, for tests that check the wire format itself. */
export async function call(
  sim: ConsulSimulator,
  method: string,
  path: string,
  init: { body?: string | Buffer; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<SimulatorAnswer> {
  const response = await fetch(`${sim.address}${path}`, {
    method,
    ...(init.body === undefined ? {} : { body: init.body }),
    ...(init.headers === undefined ? {} : { headers: init.headers }),
    ...(init.signal === undefined ? {} : { signal: init.signal }),
  });
  const text = await response.text();
  return {
    status: response.status,
    index: Number(response.headers.get('x-consul-index') ?? Number.NaN),
    text,
    headers: response.headers,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** Creates a session through the API and returns its ID. */
export async function createSession(sim: ConsulSimulator, body: Record<string, unknown>): Promise<string> {
  const answer = await call(sim, 'PUT', '/v1/session/create', { body: JSON.stringify(body) });
  if (answer.status !== 200) throw new Error(`session create failed: ${answer.status} ${answer.text}`);
  return answer.json<{ ID: string }>().ID;
}

export interface KvJson {
  readonly Key: string;
  readonly Value: string | null;
  readonly Flags: number;
  readonly LockIndex: number;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
  readonly Session?: string;
}

export async function readKey(sim: ConsulSimulator, key: string): Promise<KvJson | undefined> {
  const answer = await call(sim, 'GET', `/v1/kv/${key}`);
  if (answer.status === 404) return undefined;
  return answer.json<KvJson[]>()[0];
}
