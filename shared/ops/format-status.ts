import { servingOf, type InstanceReport } from './instance-health';
import type { Pm2Process } from './pm2-client';

/** What the table shows beside the fleet's instances. */
export interface StatusExtras {
  /** PM2 processes that are not fleet services (pm2-logrotate, other apps): listed apart, never unhealthy. */
  readonly others?: readonly Pm2Process[];
  /** Fleet services with no process under this PM2_HOME. */
  readonly notRunning?: readonly string[];
}

function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

function ago(iso: string | null | undefined, now: number): string {
  return iso ? `${duration(now - Date.parse(iso))} ago` : '-';
}

function megabytes(bytes: number | null): string {
  return bytes === null ? '-' : `${(bytes / 1024 / 1024).toFixed(1)}MB`;
}

const COLUMNS = [
  'service',
  'instance',
  'pm_id',
  'pid',
  'status',
  'uptime',
  'restarts',
  'memory',
  'flags',
  'initialized',
  'serving',
  'last update',
  'last error',
  'events queued',
  'dropped',
  'delivered',
  'failed flushes',
  'health',
] as const;

function count(value: number | null | undefined): string {
  return value == null ? '-' : String(value);
}

function row(report: InstanceReport, now: number): string[] {
  const { process: listed, status } = report;
  const flags = status?.flags ?? null;
  const events = status?.events ?? null;
  return [
    listed.name,
    status?.instance ?? '-',
    String(listed.pmId),
    String(listed.pid),
    listed.status,
    listed.startedAt === null || listed.status !== 'online' ? '-' : duration(now - listed.startedAt),
    String(listed.restarts),
    megabytes(listed.memoryBytes),
    flags?.mode ?? '-',
    flags ? (flags.initialized ? 'yes' : 'no') : '-',
    flags ? servingOf(flags) : '-',
    ago(flags?.lastUpdateAt, now),
    flags?.lastError ? ago(flags.lastError.at, now) : '-',
    count(events?.queued),
    count(events?.dropped),
    count(events?.delivered),
    count(events?.failedFlushes),
    report.problems.length === 0 ? 'ok' : 'UNHEALTHY',
  ];
}

/**
 * A table for people, one line per instance, then what is wrong with each unhealthy one and what is
 * worth a look on any (warnings do not make it unhealthy).
 */
export function formatStatus(
  reports: readonly InstanceReport[],
  now = Date.now(),
  { others = [], notRunning = [] }: StatusExtras = {},
): string {
  const apart = [
    ...notRunning.map(
      (service) =>
        `${service}: in the fleet list, not running under this PM2_HOME (npm run rollout starts it)`,
    ),
    ...(others.length > 0
      ? [
          'Not part of the fleet (not checked):',
          ...others.map((other) => `  ${other.name} pm_id=${other.pmId} ${other.status}`),
        ]
      : []),
  ];
  if (reports.length === 0) {
    return `${['The fleet is not running: none of its services has a process under this PM2_HOME.', ...apart].join('\n')}\n`;
  }
  const rows = [[...COLUMNS], ...reports.map((report) => row(report, now))];
  const widths = COLUMNS.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  const lines = rows.map((cells) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
  for (const { process: listed, status, problems, warnings } of reports) {
    if (problems.length > 0) lines.push(`${listed.name} pm_id=${listed.pmId}: ${problems.join('; ')}`);
    if (warnings.length > 0) {
      lines.push(`${listed.name} pm_id=${listed.pmId} warning: ${warnings.join('; ')}`);
    }
    if (status?.flags?.lastError) {
      lines.push(`${listed.name} pm_id=${listed.pmId} last flag error: ${status.flags.lastError.message}`);
    }
  }
  return `${[...lines, ...apart].map((line) => line.trimEnd()).join('\n')}\n`;
}

/** Healthy when there is at least one instance and nothing is wrong with any. */
export function fleetIsHealthy(reports: readonly InstanceReport[]): boolean {
  return reports.length > 0 && reports.every((report) => report.problems.length === 0);
}
