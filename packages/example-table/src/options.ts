import { type BackendCapabilities, custom, defineOptions, positiveMs } from '@election/core/adapter';
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

export const TABLE_CAPABILITIES: BackendCapabilities = {
  lock: true,
  minTtlMs: 1000,
  maxTtlMs: 3_600_000,
  wholeSecondTtl: false,
  defaultTtlMs: 5000,
};

/** Checks the options once, in order, with messages in the user's units (ConfigurationError). */
export const resolveOptions = defineOptions(SOURCE, {
  notAnObject: 'createTableMembership() takes an options object: createTableMembership({ client }).',
  fields: {
    client: custom<TableClient>((value, name) =>
      typeof (value as Partial<TableClient> | undefined)?.read === 'function'
        ? undefined
        : `${name} must be a TableClient (an object with register, renew, read… methods).`,
    ),
    pollMs: positiveMs(250),
    requestTimeoutMs: positiveMs(2000),
    leaveTimeoutMs: positiveMs(1000),
  },
});

export type ResolvedTableOptions = ReturnType<typeof resolveOptions>;
