export { type ClusterMember, type ClusterView, clusterMembers, STATUS_URL_META } from './cluster.js';
export {
  createElectionHandler,
  type ElectionHandler,
  type ElectionHandlerOptions,
  type MetricsRegistry,
  type NextFunction,
} from './handler.js';
export { type LeadershipChange, type LeadershipChangeReason, onLeadershipChange } from './leadership.js';
export {
  describeReason,
  type ElectionReasonJson,
  type ElectionStatus,
  electionStatus,
  type RankedMember,
} from './status.js';
