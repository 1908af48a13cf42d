import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { readSqitchPlan } from "../../../../src/providers/postgres/layouts/sqitch-plan.js";
import { sqitchLayout as layout } from "../../../../src/providers/postgres/layouts/sqitch.js";
import { runCommand } from "../../../../src/process/run-command.js";
import { useCluster } from "../../../support/postgres.js";
import { applyWith, columns, revertNewest, writeTree } from "./revert.js";

const SQITCH = "/usr/bin/sqitch";

const PROJECT = {
  "sqitch.conf": "[core]\n\tengine = pg\n",
  "sqitch.plan": [
    "%syntax-version=1.0.0",
    "%project=shop",
    "%uri=https://example.com/shop/",
    "",
    "users 2024-01-01T10:00:00Z Ann Planner <ann@example.com> # Creates users",
    "nickname [users] 2024-01-02T10:00:00Z Ann Planner <ann@example.com> # Adds users.nickname",
    "@v1.0 2024-01-02T11:00:00Z Ann Planner <ann@example.com> # first release",
    "drop_legacy [users nickname] 2024-01-03T10:00:00Z Bob <bob@example.com> # Drops users.legacy\\nfor good",
    "",
  ].join("\n"),
  "deploy/users.sql":
    "BEGIN;\nCREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, legacy text);\nCOMMIT;\n",
  "revert/users.sql": "BEGIN;\nDROP TABLE users;\nCOMMIT;\n",
  "verify/users.sql": "SELECT id FROM users WHERE false;\n",
  "deploy/nickname.sql": "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;\n",
  "revert/nickname.sql": "BEGIN;\nALTER TABLE users DROP COLUMN nickname;\nCOMMIT;\n",
  "verify/nickname.sql": "SELECT nickname FROM users WHERE false;\n",
  "deploy/drop_legacy.sql": "BEGIN;\nALTER TABLE users DROP COLUMN legacy;\nCOMMIT;\n",
  "revert/drop_legacy.sql": "BEGIN;\nALTER TABLE users ADD COLUMN legacy text;\nCOMMIT;\n",
  "verify/drop_legacy.sql": "SELECT 1;\n",
};

/** The real Sqitch (Debian package sqitch + libdbd-pg-perl), with its own HOME and identity. */
async function sqitch(dir: string, ...args: string[]) {
  if (!existsSync(SQITCH))
    throw new Error("sqitch is missing: install the Debian packages sqitch and libdbd-pg-perl");
  const home = mkdtempSync(join(tmpdir(), "backout-sqitch-home-"));
  const out = await runCommand({
    argv: [SQITCH, ...args],
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      SQITCH_FULLNAME: "Deploy Bot",
      SQITCH_EMAIL: "deploy@example.com",
      LC_ALL: "C",
    },
    timeoutMs: 15_000,
  });
  return { ...out, text: `${out.stdout}\n${out.stderr}` };
}

async function sqitchOk(dir: string, ...args: string[]): Promise<string> {
  const out = await sqitch(dir, ...args);
  if (out.exitCode !== 0) throw new Error(`sqitch ${args.join(" ")} failed (${out.exitCode}):\n${out.text}`);
  return out.text;
}

describe("Sqitch layout (real sqitch 1.3 and PostgreSQL)", () => {
  const cluster = useCluster();

  async function db(name: string): Promise<[string, pg.Client]> {
    await cluster.createDatabase(name);
    return [`db:pg://postgres@127.0.0.1:${cluster.port}/${name}`, await cluster.connect(name)];
  }

  it("reads the plan: changes in order, scripts, and the same change ids Sqitch computes", async () => {
    const dir = writeTree(PROJECT);
    const ms = await layout.readMigrations(dir);
    expect(ms.map((m) => m.version)).toEqual(["users", "nickname", "drop_legacy"]);
    expect(ms[2]?.downFile).toBe(join(dir, "revert/drop_legacy.sql"));
    expect(ms[2]?.downSql).toContain("ADD COLUMN legacy");
    expect(await layout.detect(dir)).toBe(true);
    expect(await layout.detect(writeTree({ "V1__x.sql": "SELECT 1;" }))).toBe(false);

    const [target, client] = await db("ids");
    try {
      await sqitchOk(dir, "deploy", target);
      const plan = await readSqitchPlan(dir);
      const registry = await client.query<{ change: string; change_id: string }>(
        "SELECT change, change_id FROM sqitch.changes ORDER BY committed_at",
      );
      expect(registry.rows).toEqual(plan.changes.map((c) => ({ change: c.name, change_id: c.id })));
      const tags = await client.query<{ tag: string; tag_id: string }>("SELECT tag, tag_id FROM sqitch.tags");
      expect(tags.rows).toEqual([{ tag: "@v1.0", tag_id: plan.changes[1]?.tags[0]?.id }]);
    } finally {
      await client.end();
    }
  });

  it("reverts the last changes as sqitch revert would: sqitch status names the right change and deploy re-applies", async () => {
    const dir = writeTree(PROJECT);
    const [target, client] = await db("interop");
    try {
      await sqitchOk(dir, "deploy", target);
      expect(await layout.appliedVersions(client)).toEqual(["users", "nickname", "drop_legacy"]);
      await client.query("INSERT INTO users (email, nickname) VALUES ('a@example.com', 'al')");

      expect(await revertNewest(client, layout, dir, 2)).toEqual(["drop_legacy", "nickname"]);
      expect(await layout.appliedVersions(client)).toEqual(["users"]);
      expect(await columns(client, "users")).toEqual(["id", "email", "legacy"]);
      // Same registry rows as Sqitch's own revert: no tag, no dependency left for them, revert events logged.
      expect((await client.query("SELECT * FROM sqitch.tags")).rows).toEqual([]);
      expect((await client.query("SELECT * FROM sqitch.dependencies")).rows).toEqual([]);
      const events = await client.query<{
        event: string;
        change: string;
        tags: string[];
        requires: string[];
      }>("SELECT event, change, tags, requires FROM sqitch.events ORDER BY committed_at");
      expect(events.rows.slice(-2)).toEqual([
        { event: "revert", change: "drop_legacy", tags: [], requires: ["users", "nickname"] },
        { event: "revert", change: "nickname", tags: ["@v1.0"], requires: ["users"] },
      ]);

      const status = await sqitchOk(dir, "status", target);
      expect(status).toMatch(/# Name:\s+users\n/);
      expect(status).toMatch(/Undeployed changes:\s+\* nickname @v1.0\s+\* drop_legacy/);
      await sqitchOk(dir, "deploy", target);
      expect(await layout.appliedVersions(client)).toEqual(["users", "nickname", "drop_legacy"]);
      expect(await sqitchOk(dir, "status", target)).toContain("Nothing to deploy (up-to-date)");
      // Sqitch's own verify and revert still work on the history backout left.
      await sqitchOk(dir, "verify", target);
      await sqitchOk(dir, "revert", "-y", "--to", "@v1.0", target);
      expect(await layout.appliedVersions(client)).toEqual(["users", "nickname"]);
    } finally {
      await client.end();
    }
  });

  it("writes the same revert events as sqitch revert itself (compared with a database Sqitch reverted)", async () => {
    const dir = writeTree(PROJECT);
    const [ours, oursClient] = await db("ours");
    const [theirs, theirsClient] = await db("theirs");
    const cols =
      "event, change_id, change, project, note, tags, requires, conflicts, planned_at, planner_name, planner_email";
    try {
      await sqitchOk(dir, "deploy", ours);
      await sqitchOk(dir, "deploy", theirs);
      await revertNewest(oursClient, layout, dir, 2);
      await sqitchOk(dir, "revert", "-y", "--to", "users", theirs);
      const q = `SELECT ${cols} FROM sqitch.events WHERE event = 'revert' ORDER BY committed_at`;
      const mine = (await oursClient.query(q)).rows;
      expect(mine).toHaveLength(2);
      expect(mine).toEqual((await theirsClient.query(q)).rows);
      const state = "SELECT change_id, change, note, planned_at FROM sqitch.changes ORDER BY committed_at";
      expect((await oursClient.query(state)).rows).toEqual((await theirsClient.query(state)).rows);
    } finally {
      await oursClient.end();
      await theirsClient.end();
    }
  });

  it("records applied changes (drill) so that sqitch status is up to date and sqitch verify passes", async () => {
    const dir = writeTree(PROJECT);
    const [target, client] = await db("drill");
    try {
      for (const m of await layout.readMigrations(dir)) await applyWith(client, layout, m);
      expect(await layout.appliedVersions(client)).toEqual(["users", "nickname", "drop_legacy"]);
      expect(await sqitchOk(dir, "status", target)).toContain("Nothing to deploy (up-to-date)");
      await sqitchOk(dir, "verify", target);
      await sqitchOk(dir, "revert", "-y", target);
      expect(await layout.appliedVersions(client)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it("refuses to record reverting a change another deployed change still requires", async () => {
    const dir = writeTree(PROJECT);
    const [target, client] = await db("required");
    try {
      await sqitchOk(dir, "deploy", target);
      const users = (await layout.readMigrations(dir))[0]!;
      await expect(layout.recordReverted(client, users)).rejects.toThrow(
        /still required by nickname, drop_legacy|still required by drop_legacy, nickname/,
      );
    } finally {
      await client.end();
    }
  });
});
