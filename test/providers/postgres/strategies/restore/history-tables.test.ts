import { describe, expect, it } from "vitest";
import { layoutFor } from "../../../../../src/providers/postgres/layouts/detect.js";
import { resolveNpmOptions } from "../../../../../src/providers/postgres/layouts/npm-options.js";
import { historyTablesFor } from "../../../../../src/providers/postgres/strategies/restore/params.js";
import { tableMatcher } from "../../../../../src/providers/postgres/strategies/restore/table-matcher.js";

const npmLayout = (settings: Parameters<typeof resolveNpmOptions>[0]["settings"]) =>
  layoutFor("node-pg-migrate", {
    migrationsDir: "/nowhere/migrations",
    nodePgMigrate: resolveNpmOptions({
      settings,
      baseDir: "/nowhere",
      migrationsDir: "/nowhere/migrations",
      env: {},
      component: "db",
    }),
  });

describe("the history tables a restore leaves out of the replay", () => {
  it("follow node-pg-migrate's --migrations-schema/--migrations-table, not a fixed pgmigrations", () => {
    const tables = historyTablesFor(
      npmLayout({ migrationsSchema: "meta", migrationsTable: "npm_history" }),
      undefined,
    );
    expect(tables).toEqual(["meta.npm_history"]);
    const isHistory = tableMatcher(tables);
    expect(isHistory("meta", "npm_history")).toBe(true);
    // A user table that happens to carry the tool's default name is user data.
    expect(isHistory("public", "pgmigrations")).toBe(false);
  });

  it("use the tool's defaults and honour the component's historyTable override", () => {
    expect(historyTablesFor(npmLayout(undefined), undefined)).toEqual(["public.pgmigrations"]);
    expect(historyTablesFor(layoutFor("dbmate"), undefined)).toEqual(["schema_migrations"]);
    expect(historyTablesFor(layoutFor("dbmate"), "ops.versions")).toEqual(["ops.versions"]);
  });
});
