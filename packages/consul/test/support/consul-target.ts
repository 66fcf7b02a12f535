import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import Consul from 'consul';
import type { ConsulMembershipOptions } from '../../src/index.js';
import {
  type ConsulSimulator,
  type ConsulSimulatorOptions,
  startConsulSimulator,
} from './consul-simulator.js';

/**
 * What the shared suites run against: the Consul simulator (always) or a real Consul agent (only
 * when CONSUL_HTTP_ADDR names a loopback address). Both are driven through the HTTP API only.
 */
export interface ConsulTarget {
  /** "Consul simulator" or "real Consul at 127.0.0.1:8500". */
  readonly label: string;
  /** Options for createConsulMembership (connection, token) plus a fresh election of its own. */
  membershipOptions(extra?: ConsulMembershipOptions): ConsulMembershipOptions;
  /** A raw npm `consul` client on the same agent, for acting behind the adapter's back. */
  readonly admin: Consul;
  /** Present for the simulator only: stop/restart it, inspect its state. */
  readonly simulator: ConsulSimulator | undefined;
  /** One raw request to the agent (the token applied), for cases that check the wire itself. */
  http(method: string, path: string, body?: string): Promise<RawAnswer>;
  /** Real Consul invalidates at 2×TTL; the simulator as configured. */
  readonly worstExpiryFactor: number;
  close(): Promise<void>;
}

export interface RawAnswer {
  readonly status: number;
  readonly text: string;
  /** X-Consul-Index, NaN when absent. */
  readonly index: number;
}

function rawRequest(
  address: { readonly host: string; readonly port: number; readonly secure: boolean },
  options: { readonly token?: string | undefined; readonly ca?: Buffer | undefined },
  method: string,
  path: string,
  body?: string,
): Promise<RawAnswer> {
  const send = address.secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: address.host,
        port: address.port,
        method,
        path,
        agent: false,
        headers: options.token ? { 'X-Consul-Token': options.token } : {},
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            index: Number(res.headers['x-consul-index'] ?? Number.NaN),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let counter = 0;
/** An election name no other test (nor an earlier run against a real Consul) uses. */
export function uniqueElection(tag: string): string {
  counter += 1;
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export async function simulatorTarget(options: ConsulSimulatorOptions = {}): Promise<ConsulTarget> {
  const simulator = await startConsulSimulator(options);
  const token = options.aclToken;
  const admin = new Consul({
    host: simulator.host,
    port: simulator.port,
    ...(token ? { defaults: { token } } : {}),
  });
  return {
    label: 'Consul simulator',
    membershipOptions: (extra = {}) => ({
      host: simulator.host,
      port: simulator.port,
      ...(token ? { token } : {}),
      election: uniqueElection('sim'),
      ...extra,
    }),
    admin,
    simulator,
    http: (method, path, body) =>
      rawRequest(
        { host: simulator.host, port: simulator.port, secure: false },
        { token },
        method,
        path,
        body,
      ),
    worstExpiryFactor: options.sessionExpiry === 'ttl' ? 1 : 2,
    async close() {
      admin.destroy();
      await simulator.close();
    },
  };
}

export interface RealConsulAddress {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** CONSUL_HTTP_ADDR ("127.0.0.1:8500", "http://…", "https://…"); undefined when unset or not loopback. */
export function realConsulAddress(env = process.env): RealConsulAddress | undefined {
  const raw = env.CONSUL_HTTP_ADDR;
  if (!raw) return undefined;
  const url = new URL(
    /^https?:\/\//.test(raw) ? raw : `${env.CONSUL_HTTP_SSL === 'true' ? 'https' : 'http'}://${raw}`,
  );
  // Tests talk to loopback only; a remote Consul is not something a test run may touch.
  if (!LOOPBACK.has(url.hostname)) return undefined;
  const secure = url.protocol === 'https:';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (secure ? 443 : 80)),
    secure,
  };
}

export function realConsulSkipReason(env = process.env): string | undefined {
  if (!env.CONSUL_HTTP_ADDR) return 'CONSUL_HTTP_ADDR not set';
  if (!realConsulAddress(env)) return `CONSUL_HTTP_ADDR (${env.CONSUL_HTTP_ADDR}) is not a loopback address`;
  return undefined;
}

export async function realConsulTarget(): Promise<ConsulTarget> {
  const address = realConsulAddress();
  if (!address) throw new Error(`real Consul: ${realConsulSkipReason()}`);
  const token = process.env.CONSUL_HTTP_TOKEN || undefined;
  const ca = process.env.CONSUL_CACERT ? readFileSync(process.env.CONSUL_CACERT) : undefined;
  const connection = { ...address, ...(ca ? { ca } : {}) };
  const admin = new Consul({
    ...connection,
    ...(token ? { defaults: { token } } : {}),
  } as ConstructorParameters<typeof Consul>[0]);
  return {
    label: `real Consul at ${address.host}:${address.port}`,
    membershipOptions: (extra = {}) => ({
      ...connection,
      ...(token ? { token } : {}),
      prefix: 'election-test',
      election: uniqueElection('real'),
      ...extra,
    }),
    admin,
    simulator: undefined,
    http: (method, path, body) => rawRequest(address, { token, ca }, method, path, body),
    worstExpiryFactor: 2,
    async close() {
      admin.destroy();
    },
  };
}
