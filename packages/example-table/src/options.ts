import { type BackendCapabilities, optionChecks } from '@election/core/adapter';
import { SOURCE } from './source.js';
import type { TableClient } from './table-client.js';

export interface TableMembershipOptions {
  /** The table's client. Yours: the adapter never closes it. */
  readonly client: TableClient;
  /** Time between two reads of the table (the change feed is a poll), ms. Default 250. */
  readonly pollMs?: number;
  /** Upper bound on each statement, ms. Default 2000. */
  readonly requestTimeoutMs?: number;
  /** Upper bound on `leave()`, ms; past it the registration is left to expire. Default 1000. */
  readonly leaveTimeoutMs?: number;
}

export type ResolvedTableOptions = Required<TableMembershipOptions>;

export const TABLE_CAPABILITIES: BackendCapabilities = {
  lock: true,
  minTtlMs: 1000,
  maxTtlMs: 3_600_000,
  wholeSecondTtl: false,
  defaultTtlMs: 5000,
};

/** Checks the options once, with messages in the user's units (ConfigurationError). */
export function resolveOptions(options: TableMembershipOptions): ResolvedTableOptions {
  const check = optionChecks(SOURCE);
  if (typeof options?.client?.read !== 'function')
    check.fail('client must be a TableClient (an object with register, renew, read… methods).');
  return {
    client: options.client,
    pollMs: check.positiveMs('pollMs', options.pollMs, 250),
    requestTimeoutMs: check.positiveMs('requestTimeoutMs', options.requestTimeoutMs, 2000),
    leaveTimeoutMs: check.positiveMs('leaveTimeoutMs', options.leaveTimeoutMs, 1000),
  };
}
