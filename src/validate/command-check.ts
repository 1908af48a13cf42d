/**
 * One attempt of a command check: run the argument array (no shell); exit 0 passes. A
 * non-zero exit or a timeout fails; a program that cannot start, or a cancellation, is an
 * "error" because nothing was judged.
 */
import { formatDuration } from "../config/durations.js";
import { isBackoutError } from "../core/errors.js";
import type { ProbeTry } from "../core/probe-retry.js";
import { runCommand } from "../process/run-command.js";
import type { CheckOptions, Verdict } from "./options.js";
import type { CommandCheckSpec } from "./schema.js";
import { messageOf } from "./net-errors.js";

const OUTPUT_SHOWN = 200;

/**
 * `t.signal` aborts at the check's timeout (on the clock) or on cancel: runCommand then ends the
 * program's whole process group (TERM, then KILL) before it returns.
 */
export async function commandAttempt(
  spec: CommandCheckSpec,
  opts: CheckOptions,
  t: ProbeTry,
): Promise<Verdict> {
  // runCommand replaces the environment when given one, so pass the whole of it.
  const env = { ...(opts.env ?? process.env), ...spec.env };
  try {
    const out = await runCommand({
      argv: spec.command,
      env,
      cwd: opts.cwd,
      signal: t.signal,
      redact: opts.redact,
    });
    const said = lastLine(out.stderr) || lastLine(out.stdout);
    const tail = said ? `: ${said}` : "";
    if (out.exitCode === 0)
      return { status: "pass", value: out.durationMs, detail: `exit 0 in ${out.durationMs}ms${tail}` };
    return {
      status: "fail",
      value: out.durationMs,
      detail: `exit ${out.exitCode} after ${out.durationMs}ms${tail}`,
    };
  } catch (e) {
    if (t.timedOut()) {
      return {
        status: "fail",
        detail: `did not finish within ${formatDuration(spec.timeout)} (timeout; killed); raise the check's timeout if it is only slow`,
      };
    }
    if (isBackoutError(e) && e.code === "STEP_CANCELLED") return { status: "error", detail: "cancelled" };
    const hint = isBackoutError(e) && e.hint ? `; ${e.hint}` : "";
    return { status: "error", detail: `could not run: ${messageOf(e)}${hint}` };
  }
}

/** The last non-empty line, shortened: what a failing script usually says last is why. */
function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim());
  const last = lines.filter((l) => l !== "").pop() ?? "";
  return last.length > OUTPUT_SHOWN ? `${last.slice(0, OUTPUT_SHOWN)}…` : last;
}
