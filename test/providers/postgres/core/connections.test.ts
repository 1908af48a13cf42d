/**
 * Every PostgreSQL connection backout opens goes through one helper (openPgClient), so each has
 * a connect timeout, lock_timeout and statement_timeout. The connections that had none (the
 * restore's maintenance connection, PITR's archive wait, the snapshot's replication connection,
 * the integrity check) are checked on a real server and against a server that never answers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPgClient } from "../../../../src/providers/postgres/connection/client.js";
import { connectAdmin } from "../../../../src/providers/postgres/strategies/restore/copy/admin.js";
import { waitArchived } from "../../../../src/providers/postgres/strategies/restore/copy/pitr/wal.js";
import { stepSession } from "../../../../src/providers/postgres/strategies/restore/apply-shared.js";
import { postgresSettingsSchema } from "../../../../src/providers/postgres/settings.js";
import { ManualClock } from "../../../../src/core/clock.js";
import { runCheck } from "../../../../src/validate/run-check.js";
import { integrityCheckSchema } from "../../../../src/validate/integrity-schema.js";
import { startPostgres, type PgCluster } from "../../../support/postgres.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

async function settings(client: pg.Client): Promise<{ l: string; s: string }> {
  const l = await client.query<{ lock_timeout: string }>("SHOW lock_timeout");
  const s = await client.query<{ statement_timeout: string }>("SHOW statement_timeout");
  return { l: l.rows[0]?.lock_timeout ?? "", s: s.rows[0]?.statement_timeout ?? "" };
}

/** Accepts TCP connections and never says a word: a hung server, or a black-holed proxy. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/shop`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("one connection helper: every connection has a connect, lock and statement timeout", () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPostgres({ settings: { wal_level: "logical" } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("no module but connection/client.ts loads the pg driver to open a connection", () => {
    const offenders = sourceFiles("src").filter((f) => {
      const text = readFileSync(f, "utf8");
      const valueImport =
        /^import\s+(?!type\b)[^;]*\bfrom\s+"pg"/m.test(text) || /import\("pg"\)(?!\.)/.test(text);
      return valueImport || /new\s+[\w.]*Client\(/.test(text.replace(/new\s+RedisClient\(/g, ""));
    });
    expect(offenders).toEqual(["src/providers/postgres/connection/client.ts"]);
  });

  it("the restore's maintenance connection and the replication connection carry the timeouts", async () => {
    const admin = await connectAdmin(cluster.url("postgres"), (t) => t);
    try {
      // Lock waits bounded; run time not (a template copy grows with the database).
      expect(await settings(admin.client)).toEqual({ l: "5s", s: "0" });
    } finally {
      await admin.client.end();
    }
    const repl = await openPgClient(cluster.url("postgres"), { replication: "database" });
    try {
      expect(await settings(repl)).toEqual({ l: "5s", s: "5min" });
    } finally {
      await repl.end();
    }
  });

  it("the restore's own sessions (drainer, CHECKPOINT, slot drop) carry the component's lockTimeout and statementTimeout", async () => {
    const component = postgresSettingsSchema().parse({
      url: cluster.url("postgres"),
      migrations: "db/migrations",
      lockTimeout: "1500ms",
      statementTimeout: "42s",
    });
    const session = await stepSession(component);
    try {
      expect(await settings(session)).toEqual({ l: "1500ms", s: "42s" });
    } finally {
      await session.end();
    }
  });

  it("the integrity check gives up on a held lock after its timeout, as a lock timeout", async () => {
    const url = await cluster.createDatabase("locked");
    await cluster.sql(
      "CREATE TABLE users (id serial PRIMARY KEY); CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users(id)); INSERT INTO users DEFAULT VALUES",
      [],
      "locked",
    );
    const holder = await cluster.connect("locked");
    try {
      await holder.query("BEGIN");
      await holder.query("LOCK TABLE users, orders IN ACCESS EXCLUSIVE MODE");
      const spec = integrityCheckSchema.parse({ integrity: { postgres: url }, timeout: "1s", retries: 0 });
      // A clock that never moves: the check's own timeout cannot fire, only the lock wait gives up.
      const v = await runCheck(spec, { redact: (t) => t, clock: new ManualClock(0) });
      expect(v.status).toBe("error");
      expect(v.detail).toMatch(/lock timeout/);
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
  });

  it("a server that accepts and never answers: the archive wait and the integrity check give up", async () => {
    const silent = await silentServer();
    try {
      const spec = integrityCheckSchema.parse({
        integrity: { postgres: silent.url },
        timeout: "2s",
        retries: 0,
      });
      const [archive, integrity] = await Promise.all([
        waitArchived(silent.url, (t) => t, {}).then(
          () => "connected",
          (e: unknown) => (e instanceof Error ? e.message : String(e)),
        ),
        runCheck(spec, { redact: (t) => t }),
      ]);
      expect(archive).toMatch(/timeout/i);
      expect(integrity.status).toBe("error");
      expect(integrity.detail).toMatch(/timeout/i);
    } finally {
      await silent.close();
    }
  });
});
