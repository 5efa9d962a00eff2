/**
 * CPU time of processes on this machine, from /proc (Linux), as meters for load.ts: utime +
 * stime of all a process's threads, in the kernel's fixed 100 ticks per second (USER_HZ).
 */
import fs from 'node:fs';

function readStat(pid: string | number): { command: string; cpuSeconds: number } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // no /proc, or the process is gone
  }
  const end = stat.lastIndexOf(') ');
  const fields = stat.slice(end + 2).split(' ');
  return { command: stat.slice(stat.indexOf('(') + 1, end), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
}

/** The process's CPU seconds so far, or undefined where /proc does not show it. */
export function cpuSecondsOf(pid: number): (() => number) | undefined {
  if (!readStat(pid)) return undefined;
  return () => readStat(pid)?.cpuSeconds ?? 0;
}

/**
 * The CPU seconds so far of every PostgreSQL process here (server processes and background
 * workers alike), or undefined where there is none, as when the database runs elsewhere.
 */
export function postgresCpuSeconds(): (() => number) | undefined {
  const read = () => {
    const stats = fs.readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).map((pid) => readStat(pid)).filter((s) => s?.command === 'postgres');
    return stats.length ? stats.reduce((sum, s) => sum + s!.cpuSeconds, 0) : undefined;
  };
  return fs.existsSync('/proc') && read() !== undefined ? () => read() ?? 0 : undefined;
}
