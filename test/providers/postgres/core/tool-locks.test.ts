/**
 * Issue 12 item 9: a rollback step holds the migration tool's own advisory lock for the whole
 * step, so it never interleaves with a concurrent `up`/`deploy` of that tool. With the lock held
 * by another session, the step waits lockTimeout, then fails retryably naming the holder. The
 * keys are the tools' own: the real node-pg-migrate and Sqitch are blocked by them.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { BackoutError } from "../../../../src/core/errors.js";
import { runCommand } from "../../../../src/process/run-command.js";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import {
  flywayLockKey,
  golangMigrateLockKey,
  NODE_PG_MIGRATE_LOCK,
  SQITCH_LOCK,
} from "../../../../src/providers/postgres/layouts/tool-locks.js";
import { useCluster } from "../../../support/postgres.js";
import { tempDir } from "../../fixtures.js";
import { migrateUp, pgCtx, planSteps } from "./pg-fixture.js";

const NPM_BIN = resolve("node_modules/.bin/node-pg-migrate");
const SQITCH = "/usr/bin/sqitch";
const tmp = tempDir();

const cluster = useCluster();

function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** Another session holding advisory lock `key`, as a deploying tool would, until release(). */
async function holdAdvisory(
  database: string,
  key: string,
): Promise<{ pid: number; release: () => Promise<void> }> {
  const holder: pg.Client = await cluster.connect(database);
  await holder.query("SET application_name = 'deploy-bot'");
  await holder.query("SELECT pg_advisory_lock($1::bigint)", [key]);
  const pid = Number((await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid);
  return {
    pid,
    release: async () => {
      await holder.end();
    },
  };
}

/** Plans the rollback to the first migration, then applies it with `key` held elsewhere. */
async function applyWhileHeld(database: string, base: string, format: string, key: string, target: string) {
  const ctx = pgCtx(base, { url: cluster.url(database), format, lockTimeout: "300ms" });
  const steps = await planSteps(ctx, { version: target });
  expect(steps).toHaveLength(1);
  const step = steps[0]!;
  const held = await holdAdvisory(database, key);
  let error: unknown;
  try {
    error = await postgresProvider.apply(ctx, step).then(
      () => new Error("the step ran while the tool's lock was held"),
      (e: unknown) => e,
    );
  } finally {
    await held.release();
  }
  expect(error).toBeInstanceOf(BackoutError);
  const e = error as BackoutError;
  expect([e.code, e.retryable]).toEqual(["PG_LOCK_TIMEOUT", true]);
  expect(e.message).toContain(`pid ${held.pid}`);
  expect(e.message).toContain('application_name "deploy-bot"');
  expect(e.message).toContain(`${format}'s migration lock`);
  // Nothing was reverted; with the lock free the same step runs.
  expect((await postgresProvider.capture(ctx)).version).not.toBe(target);
  await postgresProvider.apply(ctx, step);
  expect((await postgresProvider.capture(ctx)).version).toBe(target);
}

describe("the migration tools' own advisory locks", () => {
  it("computes golang-migrate's and Flyway's keys as their sources do", () => {
    // crc32/hashCode values cross-checked with Python's zlib.crc32 and a Java-style hash.
    expect(golangMigrateLockKey("/app", "public", "schema_migrations")).toBe("1726534663");
    expect(golangMigrateLockKey("app", "public", "schema_migrations")).toBe("1787120056");
    expect(flywayLockKey("public", "flyway_schema_history")).toBe("77433833903597");
  });

  it("node-pg-migrate: the real tool is blocked by the key, and backout waits for it then names the holder", async () => {
    const url = await cluster.createDatabase("npm_lock");
    const base = join(tmp, "npm_lock");
    const dir = writeFiles(join(base, "migrations"), {
      "1700000000000_users.sql":
        "-- Up Migration\nCREATE TABLE users (id serial PRIMARY KEY);\n-- Down Migration\nDROP TABLE users;\n",
      "1700000000001_nick.sql":
        "-- Up Migration\nALTER TABLE users ADD COLUMN nick text;\n-- Down Migration\nALTER TABLE users DROP COLUMN nick;\n",
    });
    await migrateUp(cluster, "npm_lock", "node-pg-migrate", dir, 2);
    const held = await holdAdvisory("npm_lock", NODE_PG_MIGRATE_LOCK);
    try {
      if (!existsSync(NPM_BIN)) throw new Error(`${NPM_BIN} is missing: run npm install`);
      const out = await runCommand({
        argv: [NPM_BIN, "down", "-m", dir, "--no-verbose"],
        env: { ...process.env, DATABASE_URL: url },
        timeoutMs: 30_000,
      });
      expect(out.exitCode).not.toBe(0);
      expect(`${out.stdout}${out.stderr}`).toContain("Another migration is already running");
    } finally {
      await held.release();
    }
    await applyWhileHeld("npm_lock", base, "node-pg-migrate", NODE_PG_MIGRATE_LOCK, "1700000000000_users");
  });

  it("Sqitch: the real sqitch waits on the key, and backout waits for it then names the holder", async () => {
    await cluster.createDatabase("sq_lock");
    const base = join(tmp, "sq_lock");
    const dir = writeFiles(join(base, "migrations"), {
      "sqitch.conf": "[core]\n\tengine = pg\n",
      "sqitch.plan":
        "%syntax-version=1.0.0\n%project=shop\n\nusers 2024-01-01T10:00:00Z Ann <ann@example.com> # users\nnick [users] 2024-01-02T10:00:00Z Ann <ann@example.com> # nick\n",
      "deploy/users.sql": "BEGIN;\nCREATE TABLE users (id serial PRIMARY KEY);\nCOMMIT;\n",
      "revert/users.sql": "BEGIN;\nDROP TABLE users;\nCOMMIT;\n",
      "deploy/nick.sql": "BEGIN;\nALTER TABLE users ADD COLUMN nick text;\nCOMMIT;\n",
      "revert/nick.sql": "BEGIN;\nALTER TABLE users DROP COLUMN nick;\nCOMMIT;\n",
    });
    const target = `db:pg://postgres@127.0.0.1:${cluster.port}/sq_lock`;
    const sqitch = (...args: string[]) =>
      runCommand({
        argv: [SQITCH, ...args],
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: mkdtempSync(join(tmpdir(), "backout-sqitch-home-")),
          SQITCH_FULLNAME: "Deploy Bot",
          SQITCH_EMAIL: "deploy@example.com",
          LC_ALL: "C",
        },
        timeoutMs: 30_000,
      });
    const deployed = await sqitch("deploy", "--to", "users", target);
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    const held = await holdAdvisory("sq_lock", SQITCH_LOCK);
    try {
      const blocked = await sqitch("deploy", "--lock-timeout", "1", target);
      expect(blocked.exitCode).not.toBe(0);
      expect(`${blocked.stdout}${blocked.stderr}`).toMatch(/lock/i);
    } finally {
      await held.release();
    }
    const ok = await sqitch("deploy", target);
    expect(ok.exitCode, ok.stderr).toBe(0);
    await applyWhileHeld("sq_lock", base, "sqitch", SQITCH_LOCK, "users");
  });

  it("golang-migrate and Flyway: backout waits for their lock, then names the holder", async () => {
    for (const [format, files, key, target] of [
      [
        "golang-migrate",
        {
          "1_users.up.sql": "CREATE TABLE users (id serial PRIMARY KEY);\n",
          "1_users.down.sql": "DROP TABLE users;\n",
          "2_nick.up.sql": "ALTER TABLE users ADD COLUMN nick text;\n",
          "2_nick.down.sql": "ALTER TABLE users DROP COLUMN nick;\n",
        },
        golangMigrateLockKey("/gm_lock", "public", "schema_migrations"),
        "1",
      ],
      [
        "flyway",
        {
          "V1__users.sql": "CREATE TABLE users (id serial PRIMARY KEY);\n",
          "U1__users.sql": "DROP TABLE users;\n",
          "V2__nick.sql": "ALTER TABLE users ADD COLUMN nick text;\n",
          "U2__nick.sql": "ALTER TABLE users DROP COLUMN nick;\n",
        },
        flywayLockKey("public", "flyway_schema_history"),
        "1",
      ],
    ] as const) {
      const database = format === "flyway" ? "fw_lock" : "gm_lock";
      await cluster.createDatabase(database);
      const base = join(tmp, database);
      const dir = writeFiles(join(base, "migrations"), files);
      await migrateUp(cluster, database, format, dir, 2);
      await applyWhileHeld(database, base, format, key, target);
    }
  });
});
