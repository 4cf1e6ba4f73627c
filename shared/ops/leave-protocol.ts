/**
 * How `npm run drain` / `npm run fleet:stop` take a whole host out of its load balancer before they
 * stop anything: one `LeaveRequest` to every instance through PM2 (`pm2.sendDataToProcessId`, it
 * arrives on the worker's `process.on('message')`). From then on the instance answers `/readyz` 503
 * while it keeps serving; the stop that follows waits only what is left of DRAIN_DELAY_MS.
 */
export const LEAVE_TOPIC = 'flagfleet:leave';

export interface LeaveRequest {
  readonly type: 'process:msg';
  readonly topic: typeof LEAVE_TOPIC;
  readonly data: Record<string, never>;
}

export function leaveRequest(): LeaveRequest {
  return { type: 'process:msg', topic: LEAVE_TOPIC, data: {} };
}

export function isLeaveRequest(message: unknown): message is LeaveRequest {
  return (
    typeof message === 'object' && message !== null && (message as { topic?: unknown }).topic === LEAVE_TOPIC
  );
}
