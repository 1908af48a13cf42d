/**
 * One delivery: POST, and on a 5xx or a network error ONE more try, all inside one time
 * budget, so a dead receiver costs the rollback at most `timeoutMs` and never an exception.
 */
import type { Clock } from "../core/clock.js";
import { clockTimeout } from "../core/clock-timeout.js";

export interface PostRequest {
  url: string;
  body: string;
  /** Built per attempt: a signed webhook carries the attempt's timestamp. */
  headers: () => Record<string, string>;
}

export interface PostOptions {
  fetch: typeof fetch;
  clock: Clock;
  timeoutMs: number;
  retryDelayMs: number;
  /** Where to say it went, already masked. */
  target: string;
  /** Stops the attempt early (backout is exiting). */
  signal?: AbortSignal;
}

export type PostOutcome =
  | { ok: true; attempts: number; status: number }
  | { ok: false; attempts: number; status?: number; timedOut: boolean; reason: string };

const TIMED_OUT = "timed out";

type Try = { kind: "ok"; status: number } | Failed;
type Failed = { kind: "retry" | "fail"; status?: number; reason: string; timedOut?: boolean };

export async function postWithRetry(req: PostRequest, opts: PostOptions): Promise<PostOutcome> {
  // The budget runs on the clock (a ManualClock drives it in tests), not a timer of its own.
  const budget = clockTimeout(opts.clock, opts.timeoutMs, opts.signal);
  try {
    return await postWithin(req, opts, budget.signal);
  } finally {
    budget.dispose();
  }
}

async function postWithin(req: PostRequest, opts: PostOptions, signal: AbortSignal): Promise<PostOutcome> {
  const first = await tryOnce(req, opts, signal);
  if (first.kind === "ok") return { ok: true, attempts: 1, status: first.status };
  if (first.kind === "fail" || first.timedOut) return failure(first, 1, opts);
  await opts.clock.sleep(opts.retryDelayMs, signal);
  if (signal.aborted) return failure({ ...first, timedOut: true }, 1, opts);
  const second = await tryOnce(req, opts, signal);
  if (second.kind === "ok") return { ok: true, attempts: 2, status: second.status };
  return failure(second, 2, opts, first);
}

function failure(t: Failed, attempts: number, opts: PostOptions, earlier?: Failed): PostOutcome {
  let reason = t.reason;
  if (t.timedOut) {
    const before = t.reason === TIMED_OUT ? earlier?.reason : t.reason;
    reason = `no answer from ${opts.target} within ${opts.timeoutMs} ms${before ? ` (before that: ${before})` : ""}`;
  }
  const out: PostOutcome = { ok: false, attempts, timedOut: t.timedOut === true, reason };
  if (t.status !== undefined) out.status = t.status;
  return out;
}

async function tryOnce(req: PostRequest, opts: PostOptions, signal: AbortSignal): Promise<Try> {
  let res: Response;
  try {
    res = await opts.fetch(req.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "backout", ...req.headers() },
      body: req.body,
      signal,
      // The Standard Webhooks spec counts a 3xx as a failure: the URL should be updated instead.
      redirect: "manual",
    });
  } catch (e) {
    if (signal.aborted) return { kind: "retry", reason: TIMED_OUT, timedOut: true };
    return { kind: "retry", reason: `could not reach ${opts.target}: ${networkReason(e)}` };
  }
  const text = await readSome(res);
  // A 2xx is a delivery even when reading its body ran out of time.
  if (res.status >= 200 && res.status < 300) return { kind: "ok", status: res.status };
  if (signal.aborted) return { kind: "retry", reason: TIMED_OUT, timedOut: true };
  const said = text.length > 0 ? `: ${text}` : "";
  const reason = `${opts.target} answered HTTP ${res.status}${said}`;
  return { kind: res.status >= 500 ? "retry" : "fail", status: res.status, reason };
}

/** fetch says "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND...) is in its cause. */
function networkReason(e: unknown): string {
  const cause =
    e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  if (cause && typeof cause.message === "string") return cause.message;
  return e instanceof Error ? e.message : String(e);
}

/** The start of the body (Slack explains a 4xx there, e.g. "no_service"), one line. */
async function readSome(res: Response): Promise<string> {
  try {
    const text = await res.text();
    return text.replace(/\s+/g, " ").trim().slice(0, 200);
  } catch {
    return "";
  }
}
