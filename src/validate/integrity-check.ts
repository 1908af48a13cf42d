/**
 * Runs the `integrity` check (see integrity-schema.ts): constraints never validated, rows that
 * break a declared foreign key, and sequences behind their column. Any problem fails the check;
 * a database that cannot be reached is an "error": nothing was judged.
 */
import type pg from "pg";
import { formatDuration } from "../config/durations.js";
import type { ProbeTry } from "../core/probe-retry.js";
import { DEFAULT_TIMEOUTS, openPgClient } from "../providers/postgres/connection/client.js";
import { databaseLabel, type IntegrityCheckSpec } from "./integrity-schema.js";
import { findOrphans, findSequencesBehind, findUnvalidated } from "./integrity-queries.js";
import { messageOf } from "./net-errors.js";
import type { Verdict } from "./options.js";

/**
 * The attempt's signal (the check's timeout on the clock, or a cancel) gives up the connect and
 * ends the connection, which fails the query in flight. statement_timeout stays the check's
 * timeout so the server stops an abandoned query too; a lock wait gives up sooner (half of it,
 * at most the provider's 5 s), so a check blocked by a lock says "lock timeout".
 */
function connect(spec: IntegrityCheckSpec, signal: AbortSignal): Promise<pg.Client> {
  return openPgClient(spec.integrity.postgres, {
    applicationName: "backout integrity check",
    connectTimeoutMs: 0,
    signal,
    timeouts: {
      lockTimeoutMs: Math.max(1, Math.min(DEFAULT_TIMEOUTS.lockTimeoutMs, Math.floor(spec.timeout / 2))),
      statementTimeoutMs: spec.timeout,
    },
  });
}

export async function integrityCheck(spec: IntegrityCheckSpec, t: ProbeTry): Promise<Verdict> {
  const where = databaseLabel(spec.integrity.postgres);
  const timedOut = (): Verdict => ({
    status: "error",
    detail: `${where} did not answer within ${formatDuration(spec.timeout)} (timeout); check that the server is up and not overloaded, or raise the check's timeout`,
  });
  if (t.signal.aborted) return { status: "error", detail: "cancelled before connecting" };
  let client: pg.Client;
  try {
    client = await connect(spec, t.signal);
  } catch (e) {
    if (t.timedOut()) return timedOut();
    if (t.signal.aborted) return { status: "error", detail: "cancelled before connecting" };
    return {
      status: "error",
      detail: `cannot connect to ${where}: ${messageOf(e)}; check the URL and that the server is up`,
    };
  }
  const onAbort = () => void client.end().catch(() => undefined);
  if (t.signal.aborted) onAbort();
  else t.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const schema = spec.integrity.schema;
    const problems = [
      ...(await findUnvalidated(client, schema)),
      ...(await findOrphans(client, schema)),
      ...(await findSequencesBehind(client, schema)),
    ];
    if (problems.length === 0) {
      return { status: "pass", value: 0, detail: `schema ${schema} on ${where}: no integrity problems` };
    }
    const noun = problems.length === 1 ? "problem" : "problems";
    return {
      status: "fail",
      value: problems.length,
      detail: `schema ${schema} on ${where}: ${problems.length} ${noun}: ${problems.join("; ")}`,
    };
  } catch (e) {
    if (t.timedOut()) return timedOut();
    if (t.signal.aborted) return { status: "error", detail: "cancelled while checking" };
    return { status: "error", detail: `could not check ${where}: ${messageOf(e)}` };
  } finally {
    t.signal.removeEventListener("abort", onAbort);
    await client.end().catch(() => undefined);
  }
}
