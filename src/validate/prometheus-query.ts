/**
 * One instant query against the Prometheus HTTP API (GET /api/v1/query). Never throws:
 * every way it can go wrong (unreachable, slow, not Prometheus, a rejected query, no
 * single number) comes back as a sentence saying what happened and what to change.
 */
import { formatDuration } from "../config/durations.js";
import type { ProbeTry } from "../core/probe-retry.js";
import { describeNetError } from "./net-errors.js";
import { readQueryResponse, type QueryOutcome } from "./prometheus-response.js";
import { joinPath, requestParts } from "./url-parts.js";

const BODY_SHOWN = 120;

export async function queryPrometheus(
  base: string,
  query: string,
  timeoutMs: number,
  t: Pick<ProbeTry, "signal" | "timedOut">,
): Promise<QueryOutcome> {
  const req = requestParts(joinPath(base, "api/v1/query"));
  const server = requestParts(base).shown;
  const url = new URL(req.url);
  url.searchParams.set("query", query);
  // Ask Prometheus to give up no later than we do, so an abandoned query does not linger.
  url.searchParams.set("timeout", `${timeoutMs}ms`);
  let status: number;
  let body: string;
  try {
    const res = await fetch(url, { headers: req.headers, signal: t.signal });
    status = res.status;
    body = await res.text();
  } catch (e) {
    if (t.timedOut()) {
      return {
        ok: false,
        detail: `Prometheus at ${server} did not answer within ${formatDuration(timeoutMs)} (timeout); it is overloaded or hanging: check it, or raise the check's timeout`,
      };
    }
    if (t.signal.aborted) return { ok: false, detail: "cancelled before Prometheus answered" };
    return {
      ok: false,
      detail: `cannot reach Prometheus at ${server}: ${describeNetError(e).phrase}; check metric.prometheus and that Prometheus is running`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const outcome = readQueryResponse(json, status);
  if (outcome !== undefined) return outcome;
  return { ok: false, detail: notPrometheus(server, status, body) };
}

function notPrometheus(server: string, status: number, body: string): string {
  const line = body.replace(/\s+/g, " ").trim();
  const said = line === "" ? "" : `: "${line.length > BODY_SHOWN ? `${line.slice(0, BODY_SHOWN)}…` : line}"`;
  if (status === 401 || status === 403) {
    return `Prometheus at ${server} refused the request (HTTP ${status})${said}; put credentials in the URL (http://user:password@host:9090)`;
  }
  return (
    `HTTP ${status} from ${server} is not a Prometheus query answer${said}; ` +
    "metric.prometheus must be the server's base URL, e.g. http://prometheus:9090 (without /api/v1)"
  );
}
