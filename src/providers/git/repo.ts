import { durationMs } from "../../config/durations.js";
import { realpath, stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { SimpleGit } from "simple-git";
import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { ProviderContext } from "../../core/provider.js";
import { gitEnv } from "./git-env.js";
import type { GitSettings } from "./settings.js";

const importSimpleGit = () => import("simple-git");
type SimpleGitModule = Awaited<ReturnType<typeof importSimpleGit>>;

/** A non-zero exit, kept with its code so callers can treat "exit 1, no output" as an answer. */
type GitExitError = Error & { exitCode: number };

/**
 * simple-git is loaded with the first working copy opened, so commands and library users that
 * never touch one (`backout status`, `import "backout"`) do not load it. The exit error class
 * must extend simple-git's GitError (anything else is wrapped and loses its exit code).
 */
let loaded:
  { sg: SimpleGitModule; ExitError: new (exitCode: number, message: string) => GitExitError } | undefined;

async function loadSimpleGit(): Promise<NonNullable<typeof loaded>> {
  if (loaded) return loaded;
  const sg = await importSimpleGit();
  class ExitError extends sg.GitError {
    constructor(
      readonly exitCode: number,
      message: string,
    ) {
      super(undefined, message);
    }
  }
  return (loaded = { sg, ExitError });
}

function isPluginError(e: unknown): e is InstanceType<SimpleGitModule["GitPluginError"]> {
  return loaded !== undefined && e instanceof loaded.sg.GitPluginError;
}

export interface Repo {
  dir: string;
  where: ErrorLocation;
  /** Runs `git <args>` and returns stdout without the final newline; failures are BackoutErrors. */
  run(args: string[]): Promise<string>;
  /** Like run, but a non-zero exit is returned instead of thrown (for yes/no questions). */
  ask(args: string[]): Promise<{ exitCode: number; stdout: string }>;
}

export interface OpenOptions {
  step?: string;
  /** Extra environment (commit identity). */
  env?: Record<string, string>;
}

/**
 * Opens the working copy named by settings.repo. It must be the top of a working copy:
 * a directory inside some other repository (the project's own, say) must never be rolled back.
 */
export async function openRepo(
  ctx: ProviderContext<GitSettings>,
  settings: GitSettings,
  opts: OpenOptions = {},
): Promise<Repo> {
  const where: ErrorLocation = { component: ctx.component.name, step: opts.step };
  const dir = isAbsolute(settings.repo) ? resolve(settings.repo) : resolve(ctx.baseDir, settings.repo);
  if (!(await isDirectory(dir))) {
    throw new BackoutError("PROVIDER_FAILED", `working copy not found: ${ctx.redact(dir)}`, {
      where,
      hint: "Set repo to the directory of a git working copy (relative paths start at the environment file).",
    });
  }
  const { env, unsafe } = gitEnv(ctx.env, opts.env);
  const { sg, ExitError } = await loadSimpleGit();
  const git = sg
    .simpleGit({
      baseDir: dir,
      abort: ctx.signal,
      timeout: { block: durationMs(settings.timeout) },
      unsafe,
      errors: (error, result) => {
        if (result.exitCode === 0) return undefined;
        if (isPluginError(error)) return error;
        const text = Buffer.concat([...result.stdErr, ...result.stdOut])
          .toString("utf8")
          .trim();
        return new ExitError(result.exitCode, text === "" ? `exit ${result.exitCode}` : text);
      },
    })
    .env(env);
  const repo = makeRepo(git, dir, where, (t) => ctx.redact(t));
  await assertTopLevel(repo);
  return repo;
}

function makeRepo(git: SimpleGit, dir: string, where: ErrorLocation, redact: (t: string) => string): Repo {
  const run = async (args: string[]): Promise<string> => {
    try {
      return stripNewline(await git.raw(args));
    } catch (e) {
      throw gitFailure(e, args, where, redact);
    }
  };
  const ask = async (args: string[]): Promise<{ exitCode: number; stdout: string }> => {
    try {
      return { exitCode: 0, stdout: stripNewline(await git.raw(args)) };
    } catch (e) {
      if (loaded !== undefined && e instanceof loaded.ExitError && e.exitCode === 1) {
        return { exitCode: 1, stdout: "" };
      }
      throw gitFailure(e, args, where, redact);
    }
  };
  return { dir, where, run, ask };
}

async function assertTopLevel(repo: Repo): Promise<void> {
  const inside = await repo.ask(["rev-parse", "--is-inside-work-tree"]).catch(() => undefined);
  const top = inside?.stdout === "true" ? await repo.run(["rev-parse", "--show-toplevel"]) : undefined;
  if (top !== undefined && (await realpath(top)) === (await realpath(repo.dir))) return;
  throw new BackoutError("PROVIDER_FAILED", `${repo.dir} is not the top of a git working copy`, {
    where: repo.where,
    hint:
      top === undefined
        ? "Point repo at a directory made by `git clone` (or `git init`)."
        : `It lies inside the working copy ${top}; point repo at that top directory, or clone the configuration repository on its own.`,
  });
}

/** Translates simple-git failures: cancellation, silence past the timeout, refused env, git's own errors. */
export function gitFailure(
  e: unknown,
  args: string[],
  where: ErrorLocation,
  redact: (t: string) => string,
): BackoutError {
  if (e instanceof BackoutError) return e;
  const shown = redactText(`git ${args.join(" ")}`, redact);
  const reason = redactText(e instanceof Error ? e.message : String(e), redact);
  if (isPluginError(e) && e.plugin === "abort") {
    return new BackoutError("STEP_CANCELLED", `cancelled: ${shown}`, { where });
  }
  if (isPluginError(e) && e.plugin === "timeout") {
    return new BackoutError("COMMAND_TIMEOUT", `${shown} was silent for too long and was killed`, {
      where,
      retryable: true,
      hint: "Check the network to the remote, or raise the component's timeout.",
    });
  }
  if (isPluginError(e)) {
    return new BackoutError("PROVIDER_FAILED", `simple-git refused ${shown}: ${reason}`, {
      where,
      hint: "A variable in backout's environment configures something git would run (see the message); remove it from the environment backout runs in.",
    });
  }
  return new BackoutError("PROVIDER_FAILED", `${shown} failed: ${reason}`, {
    where,
    cause: e,
    retryable: true,
    hint: "Read git's message above; fix the cause (a lock file, permissions, the network) and resume.",
  });
}

/** ctx.redact knows the configured secrets; credentials inside URLs (https://user:token@host) are hidden here. */
export function redactText(text: string, redact: (t: string) => string): string {
  return redact(text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@"));
}

function stripNewline(text: string): string {
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
