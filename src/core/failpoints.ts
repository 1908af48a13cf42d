/**
 * Failpoints let crash tests kill the process at an exact journal write, the way a power
 * cut or an OOM kill would. Set BACKOUT_FAILPOINT=journal-write:<n>:<before|after>.
 * Unset (the normal case), this costs one comparison per write.
 */
interface JournalFailpoint {
  n: number;
  when: "before" | "after";
}

function parse(spec: string | undefined): JournalFailpoint | undefined {
  const m = /^journal-write:(\d+):(before|after)$/.exec(spec ?? "");
  if (!m) return undefined;
  return { n: Number(m[1]), when: m[2] as "before" | "after" };
}

const failpoint = parse(process.env.BACKOUT_FAILPOINT);
let writes = 0;

/** Call before a journal write; returns the write's number, to pass to afterJournalWrite. */
export function beforeJournalWrite(): number {
  if (!failpoint) return 0;
  writes += 1;
  if (writes === failpoint.n && failpoint.when === "before") process.kill(process.pid, "SIGKILL");
  return writes;
}

export function afterJournalWrite(n: number): void {
  if (failpoint && n === failpoint.n && failpoint.when === "after") process.kill(process.pid, "SIGKILL");
}
