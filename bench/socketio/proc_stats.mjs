// CPU time and resident memory of another process, from /proc (Linux).
import { readFileSync } from "node:fs";

const TICKS = 100; // USER_HZ on Linux

// User and kernel CPU time of a process, in microseconds.
export function cpuTimes(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: (Number(fields[11]) * 1e6) / TICKS, system: (Number(fields[12]) * 1e6) / TICKS };
}

export function cpuMicros(pid) {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return kb * 1024;
}
