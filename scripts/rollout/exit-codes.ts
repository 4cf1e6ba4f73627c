/** How `npm run rollout` ends; documented in docs/rollout.md ("Deploy with the guarded rollout"). */
export const EXIT = Object.freeze({
  /** Every instance runs the new build, checked. */
  rolledOut: 0,
  /** Something unexpected (a bug, PM2 unreachable mid-way): read the message and `pm2 ls`. */
  unexpected: 1,
  /** Bad option, or no running fleet to roll: nothing was changed. */
  usage: 2,
  /** A canary of the new build failed: the running fleet was not touched. */
  canaryRefused: 3,
  /** A reload step failed: the rollout stopped there; the report says which instances run what. */
  stepFailed: 4,
  /** Interrupted (SIGINT/SIGTERM) by the operator; the report says where it stopped. */
  interrupted: 130,
});
