import { BackoutError, type ErrorLocation } from "../core/errors.js";

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
 * Runs a program with an argument array (no shell: metacharacters in arguments are literal).
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
  // Loaded on first use so read-only commands (status, history) start faster.
  const { execa } = await import("execa");
  const result = await execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.env === undefined,
    input: opts.input ?? "",
    timeout: opts.timeoutMs,
    cancelSignal: opts.signal,
    forceKillAfterDelay: 2000,
    reject: false,
    stripFinalNewline: true,
    shell: false,
    all: false,
  });
  const durationMs = Date.now() - started;
  const shown = redact(opts.argv.join(" "));
  if (result.isCanceled) {
    throw new BackoutError("STEP_CANCELLED", `command cancelled: ${shown}`, { where: opts.where });
  }
  if (result.timedOut) {
    throw new BackoutError("COMMAND_TIMEOUT", `command timed out after ${opts.timeoutMs} ms: ${shown}`, {
      where: opts.where,
      retryable: true,
      hint: "Raise the command's timeout in backout.yaml, or find out why it hangs.",
    });
  }
  if (result.failed && result.exitCode === undefined) {
    // Could not start (ENOENT, EACCES) or died by a signal.
    const why = result.signal ? `was killed by ${result.signal}` : redact(result.shortMessage ?? "failed");
    throw new BackoutError("COMMAND_FAILED", `command ${why}: ${shown}`, {
      where: opts.where,
      retryable: result.signal !== undefined,
      hint: result.signal
        ? "Something killed the command; check the host's logs."
        : "Check that the program exists and is executable (commands run without a shell; give the full path if it is not on PATH).",
    });
  }
  return {
    exitCode: result.exitCode ?? 0,
    stdout: redact(String(result.stdout)),
    stderr: redact(String(result.stderr)),
    durationMs,
  };
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
