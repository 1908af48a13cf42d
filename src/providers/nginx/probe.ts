import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { durationMs, formatDuration } from "../../config/durations.js";
import { BackoutError } from "../../core/errors.js";
import { probeWithRetry, type ProbeTry, type RetryPolicy } from "../../core/probe-retry.js";
import type { ProviderContext } from "../../core/provider.js";
import type { NginxSettings, ProbeSettings } from "./settings.js";

/** What the live endpoint should answer in a given state. */
export interface Expectation {
  status: number;
  /** Value of probe.poolHeader, when configured. */
  pool: string | undefined;
}

export interface ProbeResult {
  ok: boolean;
  /** "status 200, x-backout-pool blue" or "connect ECONNREFUSED ...". */
  detail: string;
}

export function expectationFor(probe: ProbeSettings, pool: string, maintenance: boolean): Expectation {
  return {
    status: maintenance ? probe.maintenanceStatus : probe.expectStatus,
    pool: probe.poolHeader === undefined ? undefined : pool,
  };
}

/** probe's settings as the retry policy: retries are for failures, confirmations come on top. */
function policy(probe: ProbeSettings): RetryPolicy {
  return {
    // The confirmations come on top of the retries, so a slow start is not cut short.
    attempts: probe.retries + probe.confirmations,
    confirmations: probe.confirmations,
    intervalMs: durationMs(probe.interval),
    timeoutMs: durationMs(probe.timeout),
  };
}

/**
 * Probes until the endpoint answers as expected `confirmations` times in a row, or retries run out; throws a retryable
 * HEALTH_CHECK_FAILED naming the URL, the expectation and the last answer. Returns the
 * number of attempts it took.
 */
export async function probeUntil(
  ctx: ProviderContext<NginxSettings>,
  probe: ProbeSettings,
  expected: Expectation,
  step: string | undefined,
): Promise<number> {
  const outcome = await probeWithRetry(policy(probe), {
    clock: ctx.clock,
    signal: ctx.signal,
    attempt: (t) => probeOnce(probe, expected, t),
    passes: (r) => r.ok,
  });
  if (outcome.passed) return outcome.attempts;
  if (outcome.cancelled) {
    throw new BackoutError("STEP_CANCELLED", "probe cancelled", {
      where: { component: ctx.component.name, step },
    });
  }
  const { attempts } = outcome;
  const last = outcome.last ?? { ok: false, detail: "not probed" };
  const want = describe(probe, expected);
  throw new BackoutError(
    "HEALTH_CHECK_FAILED",
    ctx.redact(`GET ${probe.url} did not answer ${want} after ${attempts} attempt(s); last: ${last.detail}`),
    {
      where: { component: ctx.component.name, step },
      retryable: true,
      hint: "nginx accepted the new include but the endpoint does not answer as expected: check the pool's servers and nginx's error log, and that the server block uses the include's upstream and variables.",
      details: { url: ctx.redact(probe.url), attempts, last: ctx.redact(last.detail) },
    },
  );
}

/** One probe bounded by probe.timeout, no retry (doctor). */
export async function probeOnceTimed(
  ctx: ProviderContext<NginxSettings>,
  probe: ProbeSettings,
  expected: Expectation,
): Promise<ProbeResult> {
  const outcome = await probeWithRetry(
    { ...policy(probe), attempts: 1, confirmations: 1 },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      attempt: (t) => probeOnce(probe, expected, t),
      passes: (r) => r.ok,
    },
  );
  return outcome.last ?? { ok: false, detail: "cancelled before the probe" };
}

/**
 * One GET on a fresh connection (no keep-alive): a pooled connection could still belong to an
 * old nginx worker that serves the previous configuration until it exits. The try's signal
 * ends it on cancellation or at its timeout.
 */
function probeOnce(probe: ProbeSettings, expected: Expectation, t: ProbeTry): Promise<ProbeResult> {
  const request = probe.url.startsWith("https:") ? httpsRequest : httpRequest;
  const failed = (e: Error): ProbeResult => ({
    ok: false,
    detail: t.timedOut() ? `timed out after ${formatDuration(durationMs(probe.timeout))}` : e.message,
  });
  return new Promise<ProbeResult>((resolve) => {
    const req = request(
      probe.url,
      { method: "GET", agent: false, signal: t.signal, headers: { connection: "close" } },
      (res: IncomingMessage) => {
        res.resume(); // drain: only status and headers matter
        res.on("end", () => resolve(judge(probe, expected, res)));
        res.on("error", (e) => resolve(failed(e)));
      },
    );
    req.on("error", (e) => resolve(failed(e)));
    req.end();
  });
}

function judge(probe: ProbeSettings, expected: Expectation, res: IncomingMessage): ProbeResult {
  const status = res.statusCode ?? 0;
  let detail = `status ${status}`;
  let ok = status === expected.status;
  if (probe.poolHeader !== undefined) {
    const raw = res.headers[probe.poolHeader.toLowerCase()];
    const seen = Array.isArray(raw) ? raw.join(",") : raw;
    detail += `, ${probe.poolHeader} ${seen ?? "(missing)"}`;
    ok = ok && seen === expected.pool;
  }
  return { ok, detail };
}

function describe(probe: ProbeSettings, expected: Expectation): string {
  const header = probe.poolHeader === undefined ? "" : ` with ${probe.poolHeader}: ${expected.pool}`;
  return `status ${expected.status}${header}`;
}
