export { CONSUL_CAPABILITIES, createConsulMembership } from './backend.js';
export { ConsulRequestError } from './errors.js';
export type { ConsulConnectionOptions, ConsulMembershipOptions } from './options.js';
