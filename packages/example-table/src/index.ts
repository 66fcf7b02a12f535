export { createTableMembership, TableBackend } from './backend.js';
export { type ResolvedTableOptions, TABLE_CAPABILITIES, type TableMembershipOptions } from './options.js';
export type { TableClient, TableState } from './table-client.js';
