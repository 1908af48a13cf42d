/**
 * Issue 12 item 6: after reverting a dbmate migration, db/schema.sql is what dbmate itself would
 * write (byte for byte the output of the real `dbmate dump`), and it is left alone when dbmate
 * would not dump (DBMATE_NO_DUMP_SCHEMA, or no schema file kept).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { DBMATE } from "../../../support/dbmate.js";
import { useCluster } from "../../../support/postgres.js";
import { tempDir } from "../../fixtures.js";
import { dbmateVersion, pgCtx, planSteps, writeDbmate } from "./pg-fixture.js";

const tmp = tempDir();

const cluster = useCluster();

/** The real dbmate with a schema file (no --no-dump-schema), as a project using db/schema.sql runs it. */
function dbmate(url: string, dir: string, schemaFile: string, ...args: string[]): string {
  return execFileSync(DBMATE, [
    "--url",
    `${url}?sslmode=disable`,
    "--migrations-dir",
    join(dir, "db", "migrations"),
    "--schema-file",
    schemaFile,
    ...args,
  ]).toString();
}

async function project(name: string): Promise<{ dir: string; url: string; schema: string }> {
  const url = await cluster.createDatabase(name);
  const dir = join(tmp, name);
  mkdirSync(join(dir, "db"), { recursive: true });
  writeDbmate(join(dir, "db", "migrations"));
  const schema = join(dir, "db", "schema.sql");
  dbmate(url, dir, schema, "up");
  return { dir, url, schema };
}

describe("dbmate's schema file after a rollback", () => {
  it("is rewritten exactly as `dbmate dump` writes it", async () => {
    const { dir, url, schema } = await project("dump_same");
    const before = readFileSync(schema, "utf8");
    expect(before).toContain(`'${dbmateVersion(4)}'`);
    const ctx = pgCtx(dir, { url, format: "dbmate", migrations: "db/migrations" });
    for (const s of await planSteps(ctx, { version: dbmateVersion(2) })) await postgresProvider.apply(ctx, s);
    const ours = readFileSync(schema, "utf8");
    expect(ours).not.toContain(`'${dbmateVersion(4)}'`);
    expect(ours).not.toContain(`'${dbmateVersion(3)}'`);
    const theirs = join(dir, "dbmate-dump.sql");
    dbmate(url, dir, theirs, "dump");
    expect(ours).toBe(readFileSync(theirs, "utf8"));
  });

  it("is left alone with DBMATE_NO_DUMP_SCHEMA, and not created when the project keeps none", async () => {
    const { dir, url, schema } = await project("dump_off");
    const before = readFileSync(schema, "utf8");
    const ctx = pgCtx(dir, { url, format: "dbmate", migrations: "db/migrations" });
    ctx.env.DBMATE_NO_DUMP_SCHEMA = "true";
    for (const s of await planSteps(ctx, { version: dbmateVersion(3) })) await postgresProvider.apply(ctx, s);
    expect(readFileSync(schema, "utf8")).toBe(before);

    const { dir: dir2, url: url2, schema: schema2 } = await project("dump_none");
    rmSync(schema2); // as when dbmate runs with --no-dump-schema on its command line
    const ctx2 = pgCtx(dir2, { url: url2, format: "dbmate", migrations: "db/migrations" });
    for (const s of await planSteps(ctx2, { version: dbmateVersion(3) }))
      await postgresProvider.apply(ctx2, s);
    expect(existsSync(schema2)).toBe(false);

    // An explicit schemaFile (dbmate's --schema-file) is honoured.
    const custom = join(dir2, "custom", "structure.sql");
    const ctx3 = pgCtx(dir2, {
      url: url2,
      format: "dbmate",
      migrations: "db/migrations",
      dbmate: { schemaFile: "custom/structure.sql", dumpSchema: true },
    });
    for (const s of await planSteps(ctx3, { version: dbmateVersion(2) }))
      await postgresProvider.apply(ctx3, s);
    expect(readFileSync(custom, "utf8")).toContain(
      `INSERT INTO public.schema_migrations (version) VALUES\n    ('${dbmateVersion(1)}'),\n    ('${dbmateVersion(2)}');`,
    );
  });
});
