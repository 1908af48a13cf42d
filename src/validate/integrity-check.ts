/**
 * Runs the `integrity` check (see integrity-schema.ts): constraints never validated, rows that
 * break a declared foreign key, and sequences behind their column. Any problem fails the check;
 * a database that cannot be reached is an "error": nothing was judged.
 */
import pg from "pg";
import { databaseLabel, type IntegrityCheckSpec } from "./integrity-schema.js";
import { findOrphans, findSequencesBehind, findUnvalidated } from "./integrity-queries.js";
import { messageOf } from "./net-errors.js";
import type { CheckOptions, Verdict } from "./options.js";

async function connect(spec: IntegrityCheckSpec): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: spec.integrity.postgres,
    connectionTimeoutMillis: spec.timeout,
    statement_timeout: spec.timeout,
    application_name: "backout integrity check",
  });
  client.on("error", () => undefined); // a dropped connection surfaces in the running query
  try {
    await client.connect();
    return client;
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}

export async function integrityCheck(spec: IntegrityCheckSpec, opts: CheckOptions): Promise<Verdict> {
  const where = databaseLabel(spec.integrity.postgres);
  if (opts.signal?.aborted) return { status: "error", detail: "cancelled before connecting" };
  let client: pg.Client;
  try {
    client = await connect(spec);
  } catch (e) {
    return {
      status: "error",
      detail: `cannot connect to ${where}: ${messageOf(e)}; check the URL and that the server is up`,
    };
  }
  // Cancelling ends the connection: the query in flight fails and we report "cancelled".
  const onAbort = () => void client.end().catch(() => undefined);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
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
    if (opts.signal?.aborted) return { status: "error", detail: "cancelled while checking" };
    return { status: "error", detail: `could not check ${where}: ${messageOf(e)}` };
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    await client.end().catch(() => undefined);
  }
}
