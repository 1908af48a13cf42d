/**
 * Failpoints let crash tests kill the process at an exact journal write, the way a power
 * cut or an OOM kill would. Set BACKOUT_FAILPOINT to
 *   journal-write:<n>:<before|after>          the n-th journal write of this process, or
 *   journal-event:<type>[:<k>]:<before|after> the k-th (default 1st) write of an event type, or
 *   <name>:after                              right after a named store write (afterStoreWrite).
 * Unset (the normal case), this costs one comparison per write.
 */
type When = "before" | "after";
type Failpoint = { n: number; when: When; type?: string };

function parse(spec: string | undefined): Failpoint | undefined {
  const byCount = /^journal-write:(\d+):(before|after)$/.exec(spec ?? "");
  if (byCount) return { n: Number(byCount[1]), when: byCount[2] as When };
  const byType = /^journal-event:([a-z-]+)(?::(\d+))?:(before|after)$/.exec(spec ?? "");
  if (byType) return { type: byType[1], n: Number(byType[2] ?? 1), when: byType[3] as When };
  return undefined;
}

const failpoint = parse(process.env.BACKOUT_FAILPOINT);
const named = /^([a-z-]+):after$/.exec(process.env.BACKOUT_FAILPOINT ?? "")?.[1];
let writes = 0;

/** Call before a journal write; returns the write's number, to pass to afterJournalWrite. */
export function beforeJournalWrite(type?: string): number {
  if (!failpoint) return 0;
  if (failpoint.type !== undefined && failpoint.type !== type) return 0;
  writes += 1;
  if (writes === failpoint.n && failpoint.when === "before") process.kill(process.pid, "SIGKILL");
  return writes;
}

export function afterJournalWrite(n: number): void {
  if (failpoint && n === failpoint.n && failpoint.when === "after") process.kill(process.pid, "SIGKILL");
}

/** Call once a named write (e.g. "alert-decision") is committed, before anything acts on it. */
export function afterStoreWrite(name: string): void {
  if (named === name) process.kill(process.pid, "SIGKILL");
}
