export { createPostgresMembership, PostgresMembershipBackend } from './backend.js';
export {
  POSTGRES_CAPABILITIES,
  type PostgresMembershipOptions,
} from './options.js';
export { grantsSql, migrationSql } from './sql.js';
