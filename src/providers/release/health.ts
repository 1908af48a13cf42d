import { BackoutError, isBackoutError } from "../../core/errors.js";
import type { ProviderContext } from "../../core/provider.js";
import { formatDuration } from "../../config/durations.js";
import { durationMs } from "../../config/durations.js";
import { probeWithRetry, type ProbeTry } from "../../core/probe-retry.js";
import { runCommand } from "../../process/run-command.js";
import type { HealthSettings, ReleaseSettings } from "./settings.js";

export interface HealthRun {
  health: HealthSettings;
  /** Environment and directory for a command probe (the release's). */
  env: Record<string, string | undefined>;
  cwd: string;
  /** Probes after the first; verify() uses 0. */
  retries: number;
  step?: string;
}

interface Probe {
  ok: boolean;
  /** What the probe saw, for the error message: "status 503 (expected 200)", "exit 1", "fetch failed". */
  detail: string;
}

/** Probes until healthy or out of retries; throws a retryable HEALTH_CHECK_FAILED naming what was probed and the last result. */
export async function checkHealth(ctx: ProviderContext<ReleaseSettings>, run: HealthRun): Promise<void> {
  const { health } = run;
  const timeoutMs = durationMs(health.timeout);
  const outcome = await probeWithRetry(
    { attempts: run.retries + 1, intervalMs: durationMs(health.interval), timeoutMs },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      attempt: (t) => probeAll(ctx, run, t),
      passes: (p) => p.ok,
    },
  );
  if (outcome.passed) return;
  if (outcome.cancelled) {
    throw new BackoutError("STEP_CANCELLED", "health check cancelled", {
      where: { component: ctx.component.name, step: run.step },
    });
  }
  const attempts = outcome.attempts;
  const last = outcome.last ?? { ok: false, detail: "not probed" };
  const what = describeTarget(health);
  throw new BackoutError(
    "HEALTH_CHECK_FAILED",
    ctx.redact(`health check failed after ${attempts} attempt(s): ${what}; last: ${last.detail}`),
    {
      where: { component: ctx.component.name, step: run.step },
      retryable: true,
      hint: "The release was switched but does not look healthy; check the application's logs, or raise health.retries/interval if it only starts slowly.",
      details: { attempts, last: ctx.redact(last.detail) },
    },
  );
}

/** Both probes must pass when both are configured; together they get one try's timeout. */
async function probeAll(ctx: ProviderContext<ReleaseSettings>, run: HealthRun, t: ProbeTry): Promise<Probe> {
  if (run.health.http !== undefined) {
    const p = await probeHttp(run.health.http, run.health, t);
    if (!p.ok) return p;
  }
  if (run.health.command !== undefined) {
    const p = await probeCommand(ctx, run.health.command, run, t);
    if (!p.ok) return p;
  }
  return { ok: true, detail: "healthy" };
}

async function probeHttp(url: string, h: HealthSettings, t: ProbeTry): Promise<Probe> {
  try {
    const res = await fetch(url, { signal: t.signal });
    // Drain the body so the connection is released before the next probe.
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status === h.expectStatus;
    return { ok, detail: `status ${res.status} (expected ${h.expectStatus})` };
  } catch (e) {
    return { ok: false, detail: t.timedOut() ? timedOut(h) : errorText(e) };
  }
}

async function probeCommand(
  ctx: ProviderContext<ReleaseSettings>,
  argv: string[],
  run: HealthRun,
  t: ProbeTry,
): Promise<Probe> {
  try {
    const out = await runCommand({
      argv,
      cwd: run.cwd,
      env: run.env,
      signal: t.signal,
      redact: (text) => ctx.redact(text),
      where: { component: ctx.component.name, step: run.step },
    });
    if (out.exitCode === 0) return { ok: true, detail: "exit 0" };
    const said = (out.stderr || out.stdout).slice(-300);
    return {
      ok: false,
      detail: `\`${argv.join(" ")}\` exited with ${out.exitCode}${said ? `: ${said}` : ""}`,
    };
  } catch (e) {
    if (t.timedOut()) return { ok: false, detail: `\`${argv.join(" ")}\` ${timedOut(run.health)}` };
    // Cancellation is not a health verdict.
    if (isBackoutError(e) && e.code === "STEP_CANCELLED") throw e;
    return { ok: false, detail: errorText(e) };
  }
}

function timedOut(h: HealthSettings): string {
  return `timed out after ${formatDuration(durationMs(h.timeout))}`;
}

function describeTarget(h: HealthSettings): string {
  const parts: string[] = [];
  if (h.http !== undefined) parts.push(`GET ${h.http}`);
  if (h.command !== undefined) parts.push(`\`${h.command.join(" ")}\``);
  return parts.join(" and ");
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // fetch hides the useful part ("ECONNREFUSED") in the cause.
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
  return `${e.name === "TimeoutError" ? "timed out" : e.message}${cause}`;
}
