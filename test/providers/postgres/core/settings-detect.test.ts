import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDbmate } from "../../../../src/providers/postgres/layouts/dbmate.js";
import { layoutFor, resolveFormat } from "../../../../src/providers/postgres/layouts/detect.js";
import { durationMs, postgresSettingsSchema } from "../../../../src/providers/postgres/settings.js";
import { pgTarget } from "../../../../src/providers/postgres/connection/url.js";
import { expectBackoutError, tempDir } from "../../fixtures.js";
import { writeDbmate, writeGolangMigrate } from "./pg-fixture.js";

const tmp = tempDir();

describe("postgres settings", () => {
  it("applies defaults, keeps durations as written (parsing twice changes nothing), rejects unknown keys", () => {
    const once = postgresSettingsSchema().parse({
      url: "postgres://u:p@h/db",
      migrations: "db",
      lockTimeout: "2s",
    });
    expect(once).toMatchObject({
      format: "auto",
      schema: "public",
      statementTimeout: "5m",
      archiveSchema: "backout_archive",
    });
    expect(postgresSettingsSchema().parse(once)).toEqual(once);
    expect(durationMs(once.lockTimeout)).toBe(2000);
    expect(durationMs(3)).toBe(3000);
    expect(() =>
      postgresSettingsSchema().parse({ url: "postgres://h/db", migrations: "db", lockTimeot: 1 }),
    ).toThrow();
    expect(() =>
      postgresSettingsSchema().parse({ url: "postgres://h/db", migrations: "db", lockTimeout: "soon" }),
    ).toThrow();
  });

  it("restore-and-replay settings: keepSnapshots at least 1, replay.until an ISO time with a zone", () => {
    const base = { url: "postgres://h/db", migrations: "db" };
    const parsed = postgresSettingsSchema().parse({
      ...base,
      replay: { until: "2026-11-27T04:30:00+01:00" },
    });
    expect(parsed.keepSnapshots).toBe(3);
    expect(parsed.replay).toEqual({ exclude: [], until: "2026-11-27T04:30:00+01:00" });
    const until = postgresSettingsSchema().safeParse({ ...base, replay: { until: "yesterday" } });
    expect(until.error?.issues[0]).toMatchObject({
      path: ["replay", "until"],
      message: expect.stringContaining("expected an ISO time with a zone") as unknown,
    });
    expect(postgresSettingsSchema().safeParse({ ...base, keepSnapshots: 0 }).success).toBe(false);
  });

  it("redacts the password in both spellings", () => {
    const t = pgTarget(`postgres://app:${encodeURIComponent("p@ss/w")}@db.example:6543/app`);
    expect(t.safeUrl).toBe("postgres://app:***@db.example:6543/app");
    expect(t.hostPort).toBe("db.example:6543");
    expect(t.scrub("x p@ss/w y p%40ss%2Fw")).toBe("x *** y ***");
  });
});

describe("migration layouts", () => {
  it("detects dbmate and golang-migrate from the files", async () => {
    expect(await resolveFormat("auto", writeDbmate(join(tmp, "d")))).toBe("dbmate");
    expect(await resolveFormat("auto", writeGolangMigrate(join(tmp, "g")))).toBe("golang-migrate");
    const e = await expectBackoutError(resolveFormat("auto", join(tmp, "none"), "db"), "CONFIG_INVALID");
    expect(e.hint).toMatch(/format:/);
  });

  it("reads dbmate sections and the transaction:false option", () => {
    const p = parseDbmate(
      "-- migrate:up\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;\n",
      "f.sql",
    );
    expect(p.up.trim()).toBe("CREATE INDEX CONCURRENTLY i ON t (a);");
    expect(p.down?.trim()).toBe("DROP INDEX CONCURRENTLY i;");
    expect(p.downTransaction).toBe(false);
    expect(() => parseDbmate("CREATE TABLE t ();", "f.sql")).toThrow(/migrate:up/);
  });

  it("golang-migrate versions are the numbers the bigint column holds", async () => {
    const dir = join(tmp, "g");
    const ms = await layoutFor("golang-migrate", { migrationsDir: dir }).readMigrations(dir);
    expect(ms.map((m) => m.version)).toEqual(["1", "2", "3", "4"]);
    expect(ms[0]?.downFile).toMatch(/0001_create_users\.down\.sql$/);
  });
});
