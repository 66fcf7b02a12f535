export { ConsulRequestError } from './consul-errors.js';
export { CONSUL_CAPABILITIES, createConsulMembership } from './consul-membership.js';
export type { ConsulConnectionOptions, ConsulMembershipOptions } from './options.js';
