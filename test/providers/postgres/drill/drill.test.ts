import { describe, expect, it } from "vitest";
import { drillText, runDrill } from "../../../../src/providers/postgres/drill/index.js";
import { useCluster } from "../../../support/postgres.js";
import { drillInput, liveDatabase, migration, scratchDatabases } from "./fixtures.js";

describe("backout drill: up, down, up again on a scratch copy (real PostgreSQL)", () => {
  const pg = useCluster();

  it("finds a clean migration set clean, on a template copy, and leaves the live database alone", async () => {
    const f = await liveDatabase(pg);
    migration(
      f,
      "20240201000000_email_index.sql",
      "CREATE INDEX users_email_idx ON users (email);",
      "DROP INDEX users_email_idx;",
    );
    migration(
      f,
      "20240202000000_positive_total.sql",
      "ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0);",
      "ALTER TABLE orders DROP CONSTRAINT total_positive;",
    );
    migration(
      f,
      "20240203000000_big_orders.sql",
      "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 10;",
      "DROP VIEW big_orders;",
    );
    const report = await runDrill(await drillInput(f));
    expect(report.migrations.map((m) => [m.version, m.findings])).toEqual([
      ["20240201000000", []],
      ["20240202000000", []],
      ["20240203000000", []],
    ]);
    expect(report).toMatchObject({ clean: true, copy: "template", applied: ["20240101000000"] });
    expect(report.migrations.every((m) => m.up && m.down && m.reapplied)).toBe(true);
    expect(drillText(report)).toContain("the rollback would be clean");
    // Nothing happened to the live database, and the scratch copy is gone.
    expect(await pg.sql("SELECT version FROM schema_migrations", undefined, f.db)).toEqual([
      { version: "20240101000000" },
    ]);
    expect(await pg.sql("SELECT to_regclass('users_email_idx') AS idx", undefined, f.db)).toEqual([
      { idx: null },
    ]);
    expect(await scratchDatabases(pg)).toEqual([]);
  });

  it("reports a down that loses data, unless the archive policy keeps it", async () => {
    const f = await liveDatabase(pg);
    migration(
      f,
      "20240201000000_nickname.sql",
      "ALTER TABLE users ADD COLUMN nickname text;\nUPDATE users SET nickname = split_part(email, '@', 1);",
      "ALTER TABLE users DROP COLUMN nickname;",
    );
    const confirm = await runDrill(await drillInput(f, "confirm"));
    expect(confirm.clean).toBe(false);
    const [m] = confirm.migrations;
    expect(m?.findings.map((x) => x.kind)).toEqual(["down-loses-data"]);
    expect(m?.findings[0]?.message).toMatch(
      /policy confirm\): 20240201000000_nickname.sql line 5: drops column public.users.nickname/,
    );
    expect(drillText(confirm)).toContain("NOT clean");

    const archive = await runDrill(await drillInput(f, "archive"));
    expect(archive.clean).toBe(true);
    expect(archive.migrations[0]?.archived[0]).toContain("nickname");
    expect(await scratchDatabases(pg)).toEqual([]);
  });

  it("reports a down that leaves a different schema, and names what differs", async () => {
    const f = await liveDatabase(pg);
    migration(
      f,
      "20240201000000_lookup.sql",
      "CREATE INDEX orders_user_idx ON orders (user_id);\nALTER TABLE users ADD CONSTRAINT email_unique UNIQUE (email);",
      "ALTER TABLE users DROP CONSTRAINT email_unique;",
    );
    migration(f, "20240202000000_view.sql", "CREATE VIEW v AS SELECT 1 AS one;", "DROP VIEW v;");
    const report = await runDrill(await drillInput(f));
    expect(report.clean).toBe(false);
    const [lookup, view] = report.migrations;
    expect(view?.findings).toEqual([]);
    expect(lookup?.findings.map((x) => x.kind)).toEqual(["schema-differs", "reapply-fails"]);
    expect(lookup?.findings[0]?.details).toEqual([
      "+ index CREATE INDEX orders_user_idx ON public.orders USING btree (user_id)",
    ]);
    expect(lookup?.findings[1]?.message).toContain('relation "orders_user_idx" already exists');
    expect(drillText(report)).toContain("+ index CREATE INDEX orders_user_idx");
  });

  it("reports a migration without a down, and still drills the newer ones", async () => {
    const f = await liveDatabase(pg);
    migration(f, "20240201000000_no_way_back.sql", "ALTER TABLE users ADD COLUMN age int;");
    migration(
      f,
      "20240202000000_index.sql",
      "CREATE INDEX users_age_idx ON users (age);",
      "DROP INDEX users_age_idx;",
    );
    const report = await runDrill(await drillInput(f));
    expect(report.clean).toBe(false);
    const [noDown, index] = report.migrations;
    expect(noDown?.findings.map((x) => x.kind)).toEqual(["no-down"]);
    expect(noDown).toMatchObject({ up: true, down: false, reapplied: false });
    expect(index).toMatchObject({ up: true, down: true, reapplied: true, findings: [] });
  });

  it("reports an up that fails and a down that fails", async () => {
    const f = await liveDatabase(pg);
    migration(f, "20240201000000_bad_down.sql", "CREATE TABLE tags (id int);", "DROP TABLE tagz;");
    migration(f, "20240202000000_bad_up.sql", "ALTER TABLE nowhere ADD COLUMN x int;", "SELECT 1;");
    const report = await runDrill(await drillInput(f));
    const [badDown, badUp] = report.migrations;
    expect(badUp?.findings.map((x) => x.kind)).toEqual(["up-fails"]);
    expect(badDown?.findings.map((x) => x.kind)).toContain("down-fails");
    expect(badDown?.findings.find((x) => x.kind === "down-fails")?.message).toContain(
      'table "tagz" does not exist',
    );
    expect(report.clean).toBe(false);
    expect(await scratchDatabases(pg)).toEqual([]);
  });
});
