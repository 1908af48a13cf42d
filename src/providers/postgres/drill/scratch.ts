/**
 * The scratch copy a drill works on. First choice: CREATE DATABASE ... TEMPLATE live, a full
 * file-level copy that takes seconds. PostgreSQL refuses it while anyone else is connected to
 * the live database ("source database is being accessed by other users", SQLSTATE 55006), which
 * is the normal state of a production database; then the copy is the schema (pg_dump) plus up to
 * `sampleRows` rows of every table. The scratch database is always dropped by drop().
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { BackoutError } from "../../../core/errors.js";
import { quoteIdent } from "../sql/quote.js";
import { pgTarget } from "../connection/url.js";
import { connectUrl, withDatabase, DRILL_APP, MAINTENANCE_TIMEOUTS } from "../connection/client.js";
import { copySample, restoreSchema, type PgTools } from "./sample.js";

export interface Scratch {
  name: string;
  url: string;
  copy: "template" | "schema-and-sample";
  drop(): Promise<void>;
}

export interface ScratchOptions extends PgTools {
  liveUrl: string;
  /** Rows per table when the template copy is refused. */
  sampleRows: number;
  /** Database to connect to for CREATE/DROP DATABASE. Default "postgres". */
  maintenanceDb?: string;
  /** Skip the template attempt (tests, or a DBA who wants no template copy of production). */
  forceSample?: boolean;
}

async function onMaintenance<T>(opts: ScratchOptions, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  // A template copy takes as long as the database is big: no statement limit, bounded lock waits.
  const client = await connectUrl(
    withDatabase(opts.liveUrl, opts.maintenanceDb ?? "postgres"),
    DRILL_APP,
    MAINTENANCE_TIMEOUTS,
  );
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const IN_USE = "55006";

export async function createScratch(opts: ScratchOptions): Promise<Scratch> {
  const target = pgTarget(opts.liveUrl);
  const name = `backout_drill_${randomBytes(5).toString("hex")}`;
  const url = withDatabase(opts.liveUrl, name);
  const drop = () =>
    onMaintenance(opts, async (c) => {
      // FORCE (PostgreSQL 13+): a connection a failed migration left behind does not keep it alive.
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    });
  let copy: Scratch["copy"];
  try {
    copy = await onMaintenance(opts, async (c): Promise<Scratch["copy"]> => {
      if (!opts.forceSample) {
        try {
          await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(target.database)}`);
          return "template";
        } catch (e) {
          if ((e as { code?: unknown }).code !== IN_USE) throw e;
        }
      }
      await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
      return "schema-and-sample";
    });
  } catch (e) {
    const reason = target.scrub(e instanceof Error ? e.message : String(e));
    throw new BackoutError(
      "PROVIDER_FAILED",
      `cannot create the drill's scratch database on ${target.hostPort}: ${reason}`,
      {
        hint: "The drill needs a role with CREATEDB on the database server (it creates and drops backout_drill_* databases).",
        retryable: false,
      },
    );
  }
  if (copy === "schema-and-sample") {
    try {
      await restoreSchema(opts, opts.liveUrl, url);
      await copySample(opts.liveUrl, url, opts.sampleRows);
    } catch (e) {
      await drop().catch(() => undefined);
      throw e;
    }
  }
  return { name, url, copy, drop };
}
