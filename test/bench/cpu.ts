import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports process times in clock ticks; USER_HZ is 100 on every common kernel. */
const TICK_MS = 10;

/**
 * The bench cluster's postmaster: only it and its children count as "postgres" below. Without it,
 * every `postgres` process on the machine would count — other clusters' test runs included.
 */
let postmasterPid: number | null = null;

export function measurePostgresOf(pid: number): void {
  postmasterPid = pid;
}

/** CPU time (user + system, ms) of the bench cluster's `postgres` processes: the postmaster and its backends. */
function postgresCpuMs(): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return Number.NaN;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // The process ended meanwhile.
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
    const fields = stat.slice(close + 2).split(' ');
    // After "pid (comm) ": ppid is field 1.
    if (postmasterPid !== null && Number(entry) !== postmasterPid && Number(fields[1]) !== postmasterPid) continue;
    // After "pid (comm) ": state is field 0, utime field 11, stime field 12; cutime 13 and cstime 14
    // hold the CPU of children already reaped — backends that have exited, counted by the postmaster.
    const reaped = Number(entry) === postmasterPid ? Number(fields[13]) + Number(fields[14]) : 0;
    total += (Number(fields[11]) + Number(fields[12]) + reaped) * TICK_MS;
  }
  return total;
}

export type CpuSample = { readonly at: number; readonly self: NodeJS.CpuUsage; readonly postgresMs: number };

export function sampleCpu(): CpuSample {
  return { at: performance.now(), self: process.cpuUsage(), postgresMs: postgresCpuMs() };
}

/**
 * CPU spent between two samples, per operation: in this process (the bench and, for the HTTP
 * scenarios, the server) and in PostgreSQL, backends that exited meanwhile included (the postmaster
 * counts its reaped children). It is a diagnostic, not a result.
 */
export function cpuPerOperation(from: CpuSample, to: CpuSample, operations: number, extra: Record<string, number> = {}) {
  const userMs = (to.self.user - from.self.user) / 1000;
  const systemMs = (to.self.system - from.self.system) / 1000;
  const selfMs = userMs + systemMs;
  const postgresMs = to.postgresMs - from.postgresMs;
  const seconds = (to.at - from.at) / 1000;
  const perOp = (ms: number) => (operations > 0 ? Math.round((ms / operations) * 1000) / 1000 : null);
  const cores = (ms: number) => Math.round((ms / 1000 / seconds) * 100) / 100;
  return {
    cpu_ms_per_op: {
      node: perOp(selfMs),
      node_kernel: perOp(systemMs),
      postgres: perOp(postgresMs),
      ...Object.fromEntries(Object.entries(extra).map(([name, ms]) => [name, perOp(ms)])),
    },
    cores_busy: {
      node: cores(selfMs),
      postgres: cores(postgresMs),
      ...Object.fromEntries(Object.entries(extra).map(([name, ms]) => [name, cores(ms)])),
    },
  };
}
