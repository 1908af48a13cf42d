/**
 * Issue 12 items 8 and 7 with the built CLI and the real Sqitch: revert scripts written as
 * Sqitch's templates write them (BEGIN; ... COMMIT;) run in ONE transaction with the registry
 * update, so a SIGKILL in the middle of a revert leaves both as before and `resume` finishes
 * cleanly; the revert event names the committer Sqitch itself would (its sqitch.conf user).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Client as PgClient } from "pg";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../src/process/run-command.js";
import { until } from "../executor/helpers.js";
import { useCluster } from "../support/postgres.js";
import { cli, startCli, tempDir } from "./cli.js";

const SQITCH = "/usr/bin/sqitch";

const pg = useCluster();

const PROJECT: Record<string, string> = {
  "sqitch.conf":
    '[core]\n\tengine = pg\n[user]\n\tname = "Conf User" # from sqitch.conf\n\temail = conf@example.com\n',
  "sqitch.plan":
    "%syntax-version=1.0.0\n%project=shop\n\nusers 2024-01-01T10:00:00Z Ann <ann@example.com> # users\nnick [users] 2024-01-02T10:00:00Z Ann <ann@example.com> # nick\n",
  "deploy/users.sql":
    "-- Deploy shop:users to pg\n\nBEGIN;\n\nCREATE TABLE users (id serial PRIMARY KEY, email text);\n\nCOMMIT;\n",
  "revert/users.sql": "-- Revert shop:users from pg\n\nBEGIN;\n\nDROP TABLE users;\n\nCOMMIT;\n",
  "verify/users.sql": "SELECT id FROM users WHERE false;\n",
  "deploy/nick.sql":
    "-- Deploy shop:nick to pg\n-- requires: users\n\nBEGIN;\n\nALTER TABLE users ADD COLUMN nick text;\n\nCOMMIT;\n",
  "revert/nick.sql":
    "-- Revert shop:nick from pg\n\nBEGIN;\n\nALTER TABLE users DROP COLUMN nick;\nCREATE TABLE nick_reverted (at timestamptz DEFAULT now());\n\nCOMMIT;\n",
  "verify/nick.sql": "SELECT nick FROM users WHERE false;\n",
};

function sqitch(dir: string, ...args: string[]) {
  return runCommand({
    argv: [SQITCH, ...args],
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: mkdtempSync(join(tmpdir(), "backout-sqitch-home-")),
      LC_ALL: "C",
    },
    timeoutMs: 30_000,
  });
}

async function column(db: string): Promise<boolean> {
  const r = await pg.sql(
    "SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nick'",
    [],
    db,
  );
  return r.length === 1;
}

describe("Sqitch revert scripts with BEGIN/COMMIT, SIGKILL mid-revert (real sqitch, built CLI)", () => {
  it("schema and registry stay together; resume finishes; the event names sqitch.conf's user", async () => {
    const dir = tempDir("sqitch-kill");
    const project = join(dir, "db");
    for (const [rel, text] of Object.entries(PROJECT)) {
      mkdirSync(dirname(join(project, rel)), { recursive: true });
      writeFileSync(join(project, rel), text);
    }
    const url = await pg.createDatabase("sq_kill");
    const target = `db:pg://postgres@127.0.0.1:${pg.port}/sq_kill`;
    const first = await sqitch(project, "deploy", "--to", "users", target);
    expect(first.exitCode, first.stderr).toBe(0);
    await pg.sql("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 20) g", [], "sq_kill");
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: sqitch-kill
policies:
  retry: { initialInterval: 10ms }
components:
  db:
    kind: postgres
    url: ${url}
    migrations: db
    format: sqitch
    lockTimeout: 60s
    dataLoss: archive
`,
    );
    // Sqitch's environment for the CLI: no SQITCH_* identity, an empty HOME.
    const env = { HOME: mkdtempSync(join(tmpdir(), "backout-home-")), SQITCH_FULLNAME: "", SQITCH_EMAIL: "" };
    const cp = await cli(["checkpoint", "--good", "--name", "users"], { cwd: dir, env });
    expect(cp.exitCode, cp.stderr).toBe(0);
    const second = await sqitch(project, "deploy", target);
    expect(second.exitCode, second.stderr).toBe(0);

    // Hold the registry's event log so the revert's last write waits there, then kill backout.
    const holder: PgClient = await pg.connect("sq_kill");
    await holder.query("BEGIN");
    await holder.query("LOCK TABLE sqitch.events IN EXCLUSIVE MODE");
    const child = startCli(["run"], { cwd: dir, env });
    try {
      await until(
        "backout waiting on sqitch.events",
        async () =>
          (
            await pg.sql(
              "SELECT 1 FROM pg_stat_activity WHERE application_name = 'backout' AND wait_event_type = 'Lock' AND query ILIKE '%events%'",
              [],
              "sq_kill",
            )
          ).length > 0,
        30_000,
      );
      // The revert statements ran in this transaction already: the kill lands mid-revert.
      child.kill("SIGKILL");
      await child;
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    // The orphaned backend finds its client gone and rolls everything back.
    await until(
      "backout's session gone",
      async () =>
        (await pg.sql("SELECT 1 FROM pg_stat_activity WHERE application_name = 'backout'", [], "sq_kill"))
          .length === 0,
      30_000,
    );
    expect(await column("sq_kill")).toBe(true);
    const registered = await pg.sql("SELECT change FROM sqitch.changes ORDER BY committed_at", [], "sq_kill");
    expect(registered.map((r) => String(r.change))).toEqual(["users", "nick"]);

    const status = await cli(["status", "--json"], { cwd: dir, env });
    const interrupted = (JSON.parse(status.stdout) as { interrupted: { id: string }[] }).interrupted;
    expect(interrupted).toHaveLength(1);
    const resumed = await cli(["resume", interrupted[0]?.id ?? ""], { cwd: dir, env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);

    expect(await column("sq_kill")).toBe(false);
    const events = await pg.sql(
      "SELECT event, change, committer_name, committer_email FROM sqitch.events WHERE event = 'revert'",
      [],
      "sq_kill",
    );
    expect(events).toEqual([
      { event: "revert", change: "nick", committer_name: "Conf User", committer_email: "conf@example.com" },
    ]);
    // Sqitch agrees, and its deploy re-applies the change cleanly.
    const st = await sqitch(project, "status", target);
    expect(st.stdout).toMatch(/# Change:\s+\w+\n# Name:\s+users/);
    const again = await sqitch(project, "deploy", target);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await column("sq_kill")).toBe(true);
  });
});
