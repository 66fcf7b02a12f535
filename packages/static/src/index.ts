export { createStaticMembership } from './backend.js';
export { httpProbe, probeUrl } from './http-probe.js';
export type { ProbeFunction, ProbeOptions, StaticMemberConfig, StaticMembershipOptions } from './options.js';
