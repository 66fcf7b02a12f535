export { createEtcdMembership, type EtcdMembershipBackend } from './backend.js';
export { encodeMember, type KeyLayout, keyLayout } from './keys.js';
export {
  checkEtcdTtl,
  DEFAULT_TTL_MS,
  type EtcdAuthOptions,
  type EtcdMembershipOptions,
  type EtcdTlsOptions,
  MAX_TTL_MS,
  MIN_TTL_MS,
} from './options.js';
