import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackoutError } from "../../../../src/core/errors.js";
import type { ComponentConfig } from "../../../../src/core/model.js";
import { archiveTarget } from "../../../../src/providers/postgres/archive/commands/connect.js";
import { oneCapableComponent } from "../../../../src/cli/capable-components.js";
import type { EnvironmentConfig } from "../../../../src/config/types.js";
import { builtinProviders } from "../../../../src/providers/index.js";
import { listArchives } from "../../../../src/providers/postgres/archive/commands/list.js";
import { showArchive } from "../../../../src/providers/postgres/archive/commands/show.js";
import { restoreArchive } from "../../../../src/providers/postgres/archive/restore-archive.js";
import { type PgCluster, startPostgres } from "../../../support/postgres.js";
import { SCHEMA_SQL, type Snapshot, rollBack, snapshot } from "./rollback-fixture.js";

let cluster: PgCluster;
let db: pg.Client;
let before: Snapshot;

beforeAll(async () => {
  cluster = await startPostgres();
  await cluster.createDatabase("restore");
  db = await cluster.connect("restore");
  await db.query(SCHEMA_SQL);
  before = await snapshot(db, { users: "id", orders: "id" });
  await rollBack(db);
});

afterAll(async () => {
  await db?.end();
  await cluster?.stop();
});

async function archiveOf(operation: string, table: string): Promise<string> {
  const entry = (await listArchives(db, "backout_archive")).find(
    (e) => e.operation === operation && e.source_table === table,
  );
  if (!entry) throw new Error(`no ${operation} archive of ${table}`);
  return entry.archive_table;
}

const pick = (prefix: string, snap: Snapshot) => [...snap].filter(([k]) => k.startsWith(prefix)).sort();

describe("archive restore", () => {
  it("refuses while the dropped column does not exist, saying to re-deploy or use --into-table", async () => {
    const name = await archiveOf("drop-column", "users");
    const e = await restoreArchive(db, "backout_archive", name).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackoutError);
    expect((e as BackoutError).message).toContain("column public.users.nickname does not exist");
    expect((e as BackoutError).hint).toMatch(/re-deploy the migration first.*--into-table/);
  });

  it("drop column → re-add → restore: the values are back, by primary key", async () => {
    await db.query("ALTER TABLE users ADD COLUMN nickname text");
    const result = await restoreArchive(db, "backout_archive", await archiveOf("drop-column", "users"));
    expect(result).toMatchObject({ table: "users", column: "nickname", rows: 43 });
    // The deleted rows come back too, then the overwritten ages.
    await restoreArchive(db, "backout_archive", await archiveOf("delete", "users"));
    await restoreArchive(db, "backout_archive", await archiveOf("update", "users"));
    const now = await snapshot(db, { users: "id" });
    // The 7 deleted rows were archived whole before the column drop; their nicknames are in that archive.
    expect(pick("users|", now).filter(([k]) => !k.endsWith("|nickname"))).toEqual(
      pick("users|", before).filter(([k]) => !k.endsWith("|nickname")),
    );
    // Nicknames too: the live rows' from the drop-column archive, the deleted rows' (archived whole
    // before the column went) from the delete archive.
    expect(pick("users|", now)).toEqual(pick("users|", before));
  });

  it("re-creates nothing itself: dropped table rows go back once the table exists, sequences caught up", async () => {
    const name = await archiveOf("drop-table", "orders");
    await expect(restoreArchive(db, "backout_archive", name)).rejects.toThrow(
      /table public.orders does not exist/,
    );
    await db.query(
      "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int, total numeric(10,2), note text)",
    );
    expect((await restoreArchive(db, "backout_archive", name)).rows).toBe(40);
    expect(pick("orders|", await snapshot(db, { orders: "id" }))).toEqual(pick("orders|", before));
    // The identity sequence moved past the restored ids: a new order does not collide.
    const { rows } = await db.query<{ id: string }>("INSERT INTO orders (user_id) VALUES (1) RETURNING id");
    expect(Number(rows[0]?.id)).toBe(41);
    // Restoring twice is refused unless forced; forced, existing rows are skipped.
    await expect(restoreArchive(db, "backout_archive", name)).rejects.toThrow(/already restored/);
    expect((await restoreArchive(db, "backout_archive", name, { force: true })).rows).toBe(0);
  });

  it("restores into another table with --into-table", async () => {
    await db.query(
      "CREATE TABLE notes_back (LIKE notes INCLUDING ALL); ALTER TABLE notes_back ADD COLUMN tag text",
    );
    const name = await archiveOf("drop-column", "notes");
    const e = await restoreArchive(db, "backout_archive", name, { intoTable: "public.notes_back" }).catch(
      (x: unknown) => x,
    );
    // notes_back has other ctids: a ctid archive matches no row there, and says so by counting 0.
    expect(e).toMatchObject({ rows: 0, table: "notes_back" });
    await db.query("ALTER TABLE notes ADD COLUMN tag text");
    expect((await restoreArchive(db, "backout_archive", name, { force: true })).rows).toBe(10);
    const { rows } = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM notes WHERE tag = 'tag ' || substr(body, 6)",
    );
    expect(Number(rows[0]?.n)).toBe(10);
  });

  it("show reports rows, columns and first rows; an unknown archive is a clear error", async () => {
    const view = await showArchive(db, "backout_archive", await archiveOf("drop-table", "orders"), 3);
    expect(view.rows).toBe(40);
    expect(view.columns.map((c) => c.name)).toEqual(["id", "user_id", "total", "note"]);
    expect(view.sample).toHaveLength(3);
    await expect(showArchive(db, "backout_archive", "nope")).rejects.toThrow(/no archive named "nope"/);
  });
});

describe("archive command: choosing the component", () => {
  const component = (name: string, kind: string, settings: Record<string, unknown>): ComponentConfig => ({
    name,
    kind,
    layer: "database",
    dependsOn: [],
    compatibility: [],
    dataLoss: undefined,
    settings,
  });
  const components = [
    component("app", "release", {}),
    component("db", "postgres", { url: "postgres://a@h/x", archiveSchema: "arch" }),
    component("db2", "postgres", { url: "postgres://b@h/y" }),
  ];

  const config = { file: "/x/backout.yaml", components } as unknown as EnvironmentConfig;
  const choose = (name?: string) =>
    oneCapableComponent(config, builtinProviders(), "archive", name).component;

  it("needs --component when several postgres components exist, and names them", () => {
    expect(() => choose()).toThrow(/several postgres components.*db, db2/);
    expect(archiveTarget(choose("db"))).toEqual({
      component: "db",
      url: "postgres://a@h/x",
      archiveSchema: "arch",
    });
    expect(archiveTarget(choose("db2")).archiveSchema).toBe("backout_archive");
    expect(() => choose("app")).toThrow(/no postgres component named "app"/);
  });
});
