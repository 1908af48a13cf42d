import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { BackoutError } from "../../core/errors.js";
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
  // Retries are for failures; the confirmations come on top, so a slow start is not cut short.
  const attempts = probe.retries + probe.confirmations;
  let last: ProbeResult = { ok: false, detail: "not probed" };
  let streak = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (ctx.signal.aborted) {
      throw new BackoutError("STEP_CANCELLED", "probe cancelled", {
        where: { component: ctx.component.name, step },
      });
    }
    last = await probeOnce(probe, expected, ctx.signal);
    streak = last.ok ? streak + 1 : 0;
    if (streak >= probe.confirmations) return attempt;
    if (attempt < attempts) await ctx.clock.sleep(probe.interval * 1000, ctx.signal);
  }
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

/**
 * One GET on a fresh connection (no keep-alive): a pooled connection could still belong to an
 * old nginx worker that serves the previous configuration until it exits.
 */
export function probeOnce(
  probe: ProbeSettings,
  expected: Expectation,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const request = probe.url.startsWith("https:") ? httpsRequest : httpRequest;
  return new Promise<ProbeResult>((resolve) => {
    const req = request(
      probe.url,
      {
        method: "GET",
        agent: false,
        timeout: probe.timeout * 1000,
        signal,
        headers: { connection: "close" },
      },
      (res: IncomingMessage) => {
        res.resume(); // drain: only status and headers matter
        res.on("end", () => resolve(judge(probe, expected, res)));
        res.on("error", (e) => resolve({ ok: false, detail: e.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out after ${probe.timeout} s`)));
    req.on("error", (e) => resolve({ ok: false, detail: e.message }));
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
