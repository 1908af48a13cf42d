import { readdirSync, readFileSync } from "node:fs";

/**
 * Process groups on Linux, read from /proc. Every command backout runs is the leader of its
 * own group (spawned with setsid), so a step's whole tree can be found, signalled and waited
 * for, even by another backout process after the one that started it died.
 */

export interface GroupRef {
  /** Process group id = the pid of the group's leader. */
  pgid: number;
  /** The leader's start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused pid apart. */
  startTicks?: number;
}

interface Stat {
  state: string;
  ppid: number;
  pgrp: number;
  startTicks: number;
}

/** Fields of /proc/PID/stat; the command name in parentheses may itself contain spaces and parentheses. */
function readStat(pid: number | "self"): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the name: state(3) ppid(4) pgrp(5) ... starttime(22); index = field - 3.
  const ppid = Number(fields[1]);
  const pgrp = Number(fields[2]);
  const startTicks = Number(fields[19]);
  if (!Number.isInteger(ppid) || !Number.isInteger(pgrp)) return undefined;
  return { state: fields[0] ?? "", ppid, pgrp, startTicks };
}

export function processStartTicks(pid: number): number | undefined {
  return readStat(pid)?.startTicks;
}

/** Pids of the processes in group `pgid` (empty without /proc). */
function members(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const st = readStat(Number(e));
    // A zombie runs nothing; an orphan's zombie may wait long for a reaper.
    if (st?.pgrp === pgid && st.state !== "Z") out.push(Number(e));
  }
  return out;
}

/**
 * True while any process of the group the reference names is alive. Linux does not reuse a pid
 * while it is some group's id, so members of `pgid` are that group's, unless its leader is alive
 * with another start time (the group died and the pid was given to a new leader).
 */
export function groupAlive(ref: GroupRef): boolean {
  const inGroup = members(ref.pgid);
  if (inGroup.length === 0) return false;
  if (ref.startTicks === undefined || !inGroup.includes(ref.pgid)) return true;
  return processStartTicks(ref.pgid) === ref.startTicks;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** The argument vectors of this process's ancestors (parent first), from /proc. */
export function ancestorCommandLines(): string[][] {
  const out: string[][] = [];
  let pid = readStat("self")?.ppid ?? 0;
  for (let i = 0; i < 1000 && pid > 1; i++) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean));
    } catch {
      break;
    }
    pid = readStat(pid)?.ppid ?? 0;
  }
  return out;
}

/**
 * The process groups of this process and all its ancestors: a `backout` started from inside a
 * step has that step's group among them, whatever its environment says.
 */
export function ancestorGroups(): number[] {
  const out = new Set<number>();
  let pid: number | "self" = "self";
  for (let i = 0; i < 1000; i++) {
    const st = readStat(pid);
    if (!st) break;
    out.add(st.pgrp);
    if (st.ppid <= 1) break;
    pid = st.ppid;
  }
  return [...out];
}

const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Ends process groups: TERM, then KILL to whatever is left after `graceMs`, and waits until
 * none of them has a process left. Real time on purpose: processes do not follow a test clock.
 */
export async function endGroups(groups: GroupRef[], graceMs: number): Promise<void> {
  for (const g of groups) if (groupAlive(g)) signalGroup(g.pgid, "SIGTERM");
  const killAt = Date.now() + graceMs;
  while (groups.some(groupAlive) && Date.now() < killAt) await tick(25);
  for (const g of groups) if (groupAlive(g)) signalGroup(g.pgid, "SIGKILL");
  for (let i = 0; i < 500 && groups.some(groupAlive); i++) await tick(10);
}
