import { BackoutError, toBackoutError, type ErrorLocation } from "../core/errors.js";
import { accessSync, constants, statSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { runTree } from "./spawn-tree.js";
import { currentAnnouncer } from "./step-processes.js";

export interface RunCommandOptions {
  /** Argument array: program first. Never a shell string. */
  argv: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  redact?: (text: string) => string;
  /** Where this command comes from, for error messages. */
  where?: ErrorLocation;
}

export interface CommandOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

const TAIL = 2000;

function tail(text: string): string {
  return text.length > TAIL ? `…${text.slice(-TAIL)}` : text;
}

/**
 * Runs a program with an argument array (no shell: metacharacters in arguments are literal),
 * as the leader of its own process group: cancelling or a timeout ends its whole tree.
 * Resolves with the output whatever the exit code; rejects only when the program could not
 * run, timed out or was cancelled. Use `runCommandOk` to treat a non-zero exit as a failure.
 */
export async function runCommand(opts: RunCommandOptions): Promise<CommandOutput> {
  const [file, ...args] = opts.argv;
  const redact = opts.redact ?? ((t: string) => t);
  if (file === undefined || file === "") {
    throw new BackoutError("COMMAND_FAILED", "empty command", {
      where: opts.where,
      hint: "Give the command as a non-empty list: [program, arg1, arg2].",
    });
  }
  const started = Date.now();
  const announce = currentAnnouncer();
  const missing = announce === undefined ? undefined : gateNotStarted(opts, file);
  if (missing !== undefined) {
    throw new BackoutError(
      "COMMAND_FAILED",
      `command could not start (${missing}): ${redact(opts.argv.join(" "))}`,
      {
        where: opts.where,
        hint: "Check that the program exists and is executable (commands run without a shell; give the full path if it is not on PATH).",
      },
    );
  }
  const result = await runTree({
    file,
    args,
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    env: opts.env ?? process.env,
    input: opts.input ?? "",
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(announce === undefined ? {} : { announce }),
  });
  const durationMs = Date.now() - started;
  const shown = redact(opts.argv.join(" "));
  // Announcing (journalling) the process failed: it never ran; the journal's error is the story.
  if (result.announceError !== undefined) throw toBackoutError(result.announceError);
  if (result.canceled) {
    throw new BackoutError("STEP_CANCELLED", `command cancelled: ${shown}`, { where: opts.where });
  }
  if (result.timedOut) {
    throw new BackoutError("COMMAND_TIMEOUT", `command timed out after ${opts.timeoutMs} ms: ${shown}`, {
      where: opts.where,
      retryable: true,
      hint: "Raise the command's timeout in backout.yaml, or find out why it hangs.",
    });
  }
  const notStarted = result.spawnError?.message;
  if (notStarted !== undefined || result.exitCode === undefined) {
    // Could not start (ENOENT, EACCES) or died by a signal.
    const why = result.signal
      ? `was killed by ${result.signal}`
      : `could not start (${redact(notStarted ?? "failed")})`;
    throw new BackoutError("COMMAND_FAILED", `command ${why}: ${shown}`, {
      where: opts.where,
      retryable: result.signal !== undefined,
      hint: result.signal
        ? "Something killed the command; check the host's logs."
        : "Check that the program exists and is executable (commands run without a shell; give the full path if it is not on PATH).",
    });
  }
  return {
    exitCode: result.exitCode,
    stdout: redact(stripFinalNewline(result.stdout)),
    stderr: redact(stripFinalNewline(result.stderr)),
    durationMs,
  };
}

function stripFinalNewline(text: string): string {
  return text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
}

/**
 * Behind the gate the shell would report a missing program as exit 127; it is looked up first
 * instead, so it fails like a direct spawn (ENOENT/EACCES) without running anything.
 */
function gateNotStarted(opts: RunCommandOptions, file: string): string | undefined {
  const env = opts.env ?? process.env;
  const dirs = file.includes("/") ? [""] : (env.PATH ?? "/usr/bin:/bin").split(":");
  let why = `spawn ${file} ENOENT`;
  for (const dir of dirs) {
    const path = dir === "" ? resolvePath(opts.cwd ?? process.cwd(), file) : join(dir, file);
    try {
      if (!statSync(path).isFile()) continue;
      accessSync(path, constants.X_OK);
      return undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EACCES") why = `spawn ${file} EACCES`;
    }
  }
  return why;
}

/** Like runCommand, but a non-zero exit is a retryable COMMAND_FAILED carrying the output's tail. */
export async function runCommandOk(opts: RunCommandOptions): Promise<CommandOutput> {
  const out = await runCommand(opts);
  if (out.exitCode !== 0) {
    const redact = opts.redact ?? ((t: string) => t);
    const detail = tail(out.stderr || out.stdout);
    throw new BackoutError(
      "COMMAND_FAILED",
      `command exited with ${out.exitCode}: ${redact(opts.argv.join(" "))}${detail ? `\n${detail}` : ""}`,
      {
        where: opts.where,
        retryable: true,
        details: { exitCode: out.exitCode },
        hint: "Read the command's output above; fix the cause and resume the rollback.",
      },
    );
  }
  return out;
}
