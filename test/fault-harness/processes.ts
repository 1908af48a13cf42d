/**
 * The real CLI as the fault harness runs it: every process recorded with its span, exit and
 * output, under a watchdog (a hung backout is a finding, not a hung harness).
 */
import type { ResultPromise } from "execa";
import { startCli } from "../e2e/cli.js";
import { until } from "../support/until.js";
export { sleep } from "../support/until.js";
import { readApplicationList } from "./recording-step.js";

export interface Ran {
  args: string[];
  exitCode: number;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  startedAt: number;
  endedAt: number;
  /** What the harness did to it (SIGKILL, SIGSTOP ...), if anything. */
  fault: string | undefined;
  hung: boolean;
}

export interface Running {
  child: ResultPromise;
  startedAt: number;
  /** stderr so far, as it arrives (a waiter's messages are read while it waits). */
  stderr: () => string;
  fault: (what: string) => void;
  done: Promise<Ran>;
}

/** A backout process that has not ended after this long is reported hung and killed. */
const HANG_MS = 150_000;

export function launch(dir: string, args: string[], env: Record<string, string> = {}): Running {
  const startedAt = Date.now();
  const child = startCli(args, { cwd: dir, env });
  let err = "";
  let fault: string | undefined;
  let hung = false;
  child.stderr?.on("data", (b: Buffer) => (err += b.toString()));
  const watchdog = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, HANG_MS);
  const done = child.then((r) => {
    clearTimeout(watchdog);
    return {
      args,
      exitCode: r.exitCode ?? -1,
      signal: r.signal ?? undefined,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
      startedAt,
      endedAt: Date.now(),
      fault,
      hung,
    };
  });
  return {
    child,
    startedAt,
    stderr: () => err,
    fault: (what) => (fault = fault ? `${fault}+${what}` : what),
    done,
  };
}

/** Polls cond (test/support's until); false if it did not hold in time: a finding, not an error. */
export function holds(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  return until(what, cond, timeoutMs).then(
    () => true,
    () => false,
  );
}

/** Waits until an application begins that was not there before (or the process ends). */
export async function untilNewApplication(dir: string, before: number, p: Running): Promise<boolean> {
  let ended = false;
  void p.done.then(() => (ended = true));
  await holds("a step to start", () => ended || readApplicationList(dir).length > before, 60_000);
  return !ended;
}
