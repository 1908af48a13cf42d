import type { Clock } from "../core/clock.js";
import type { CheckResult } from "../core/model.js";

/** What every check gets from its caller (the post-rollback validation or the watcher). */
export interface CheckOptions {
  /** Cancels the check: an attempt in flight ends as "error" (cancelled) and no retry follows. */
  signal?: AbortSignal;
  /** Every name and detail passes through it: URLs, commands and bodies may carry secrets. */
  redact: (text: string) => string;
  /** Base environment of command checks (default: process.env); the check's own env is added. */
  env?: Record<string, string | undefined>;
  /** Working directory of command checks. */
  cwd?: string;
  /** Waits between attempts and each attempt's timeout (a ManualClock keeps those tests instant). */
  clock?: Clock;
  /** Retries when the check sets none (the monitor passes 0); default 2. */
  defaultRetries?: number;
}

/** A result before name, kind and duration are filled in by the attempt's caller. */
export type Verdict = Pick<CheckResult, "status" | "detail" | "value">;
