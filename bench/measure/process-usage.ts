import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Linux only: what /proc says of one process. */
export interface ProcessUsage {
  readonly pid: number;
  /** Resident set size, in bytes. */
  readonly rssBytes: number;
  /** User plus system CPU time so far, in ms. */
  readonly cpuMs: number;
}

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

export async function processUsage(pid: number): Promise<ProcessUsage> {
  const [status, stat] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8'),
    readFile(`/proc/${pid}/stat`, 'utf8'),
  ]);
  const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  if (!Number.isFinite(rssKb) || !Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error(`cannot read the usage of pid ${pid} from /proc`);
  }
  return { pid, rssBytes: rssKb * 1024, cpuMs: ((utime + stime) * 1000) / clockTicksPerSecond() };
}

/** Linux only: where a process's resident memory is (/proc/<pid>/smaps_rollup), in bytes. */
export interface MemoryBreakdown {
  readonly rssBytes: number;
  /** Pages only this process maps: its own heap, stacks, malloc arenas (what it costs on its own). */
  readonly privateBytes: number;
  /** Pages of files it shares with other processes: the node binary and libraries every instance maps. */
  readonly sharedBytes: number;
}

export async function memoryBreakdown(pid: number): Promise<MemoryBreakdown> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => {
    const value = Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(rollup)?.[1]);
    if (!Number.isFinite(value)) throw new Error(`no ${field} in /proc/${pid}/smaps_rollup`);
    return value * 1024;
  };
  return {
    rssBytes: kb('Rss'),
    privateBytes: kb('Private_Clean') + kb('Private_Dirty'),
    sharedBytes: kb('Shared_Clean') + kb('Shared_Dirty'),
  };
}

/** CPU used by each process over `durationMs`, as a percentage of one core. */
export async function cpuPercentOver(pids: readonly number[], durationMs: number): Promise<number[]> {
  const before = await Promise.all(pids.map(processUsage));
  const startedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const after = await Promise.all(pids.map(processUsage));
  const elapsedMs = performance.now() - startedAt;
  return after.map((usage, index) => (100 * (usage.cpuMs - before[index]!.cpuMs)) / elapsedMs);
}
