export { collectFleetStatus, type CollectOptions, type FleetStatus } from './collect-fleet-status';
export { fleetIsHealthy, formatStatus, type StatusExtras } from './format-status';
export { problemsOf, warningsOf, type InstanceReport } from './instance-health';
export {
  connectToPm2,
  daemonIsRunning,
  pm2Home,
  type Pm2BusMessage,
  type Pm2Client,
  type Pm2Process,
} from './pm2-client';
export {
  STATUS_QUERY_TOPIC,
  STATUS_REPLY_TOPIC,
  isStatusQuery,
  replyTo,
  statusQuery,
  statusReply,
  type InstanceStatus,
  type StatusQuery,
  type StatusReply,
} from './status-protocol';
export { LEAVE_TOPIC, isLeaveRequest, leaveRequest, type LeaveRequest } from './leave-protocol';
