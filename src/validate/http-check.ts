/**
 * One attempt of an HTTP check: GET the URL and judge status, body and latency. A service
 * that refuses, hangs or answers wrongly fails; only a name that does not resolve (a
 * configuration problem) or a cancellation is an "error".
 */
import { formatDuration } from "../config/durations.js";
import type { ProbeTry } from "../core/probe-retry.js";
import type { HttpCheckSpec } from "./schema.js";
import type { Verdict } from "./options.js";
import { describeNetError } from "./net-errors.js";
import { requestParts } from "./url-parts.js";

const BODY_SHOWN = 120;

export async function httpAttempt(spec: HttpCheckSpec, t: ProbeTry): Promise<Verdict> {
  const req = requestParts(spec.http);
  const started = performance.now();
  let status: number;
  let body: string;
  try {
    const res = await fetch(req.url, {
      headers: req.headers,
      signal: t.signal,
      // A 3xx is only seen when it is what the check expects.
      redirect: spec.expectStatus >= 300 && spec.expectStatus < 400 ? "manual" : "follow",
    });
    status = res.status;
    // Read the whole body: latency means a complete answer, and it frees the connection.
    body = await res.text();
  } catch (e) {
    if (t.timedOut()) {
      return {
        status: "fail",
        detail: `no complete answer within ${formatDuration(spec.timeout)} (timeout); the service hangs or is overloaded`,
      };
    }
    if (t.signal.aborted) return { status: "error", detail: "cancelled before the answer came" };
    const net = describeNetError(e);
    if (net.unjudgeable) {
      return {
        status: "error",
        detail: `cannot reach ${req.shown}: ${net.phrase}; check the host name in the check's URL`,
      };
    }
    return { status: "fail", detail: `GET failed: ${net.phrase}` };
  }
  const latency = Math.round(performance.now() - started);
  const answered = `answered ${status} in ${latency}ms`;
  if (status !== spec.expectStatus) {
    return {
      status: "fail",
      value: latency,
      detail: `${answered}, expected ${spec.expectStatus}${bodyHint(body)}`,
    };
  }
  if (spec.bodyMatch !== undefined && !new RegExp(spec.bodyMatch).test(body)) {
    return {
      status: "fail",
      value: latency,
      detail: `${answered} but the body does not match /${spec.bodyMatch}/${bodyHint(body)}`,
    };
  }
  if (spec.maxLatency !== undefined && latency > spec.maxLatency) {
    return {
      status: "fail",
      value: latency,
      detail: `${answered}, slower than maxLatency ${formatDuration(spec.maxLatency)}`,
    };
  }
  return { status: "pass", value: latency, detail: answered };
}

/** The start of the body, on one line, so a failure shows what the service said. */
function bodyHint(body: string): string {
  const line = body.replace(/\s+/g, " ").trim();
  if (line === "") return "";
  return `; body: "${line.length > BODY_SHOWN ? `${line.slice(0, BODY_SHOWN)}…` : line}"`;
}
