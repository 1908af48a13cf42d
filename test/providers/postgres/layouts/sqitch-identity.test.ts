/**
 * Issue 12 items 7 and 8, unit level: the committer is found as the real Sqitch finds it (checked
 * against `sqitch config --get`), the component's `committer` overrides it, and Sqitch's outer
 * BEGIN/COMMIT is removed by the parser, nothing else.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../../../src/process/run-command.js";
import { layoutFor } from "../../../../src/providers/postgres/layouts/detect.js";
import { withoutOuterTransaction } from "../../../../src/providers/postgres/layouts/sqitch-script.js";
import { parseSqitchUser, sqitchCommitter } from "../../../../src/providers/postgres/layouts/sqitch-user.js";
import { useCluster } from "../../../support/postgres.js";
import { applyWith, writeTree } from "./revert.js";

function files(): { project: string; home: string; system: string } {
  const root = mkdtempSync(join(tmpdir(), "backout-sqitch-id-"));
  const project = join(root, "project");
  const home = join(root, "home");
  mkdirSync(join(home, ".sqitch"), { recursive: true });
  mkdirSync(project, { recursive: true });
  const system = join(root, "system.conf");
  writeFileSync(system, "[user]\n\tname = System Person\n\temail = system@example.com\n");
  writeFileSync(
    join(home, ".sqitch", "sqitch.conf"),
    '[user]\n  name = "User Q Person"\n  email = user@example.com ; note\n',
  );
  writeFileSync(
    join(project, "sqitch.conf"),
    '[core]\n\tengine = pg\n[user "other"]\n\tname = Not Me\n[user]\n\temail = local@example.com\n',
  );
  return { project, home, system };
}

async function realSqitch(project: string, env: Record<string, string>, key: string): Promise<string> {
  const out = await runCommand({
    argv: ["/usr/bin/sqitch", "config", "--get", key],
    cwd: project,
    env: { PATH: process.env.PATH ?? "", LC_ALL: "C", ...env },
    timeoutMs: 15_000,
  });
  return out.stdout.trim();
}

describe("Sqitch's committer", () => {
  it("reads user.name/email from system, user and project sqitch.conf as Sqitch does", async () => {
    const { project, home, system } = files();
    const env = { HOME: home, SQITCH_SYSTEM_CONFIG: system };
    const who = await sqitchCommitter(project, env);
    expect(who).toEqual({ name: "User Q Person", email: "local@example.com" });
    expect(who.name).toBe(await realSqitch(project, env, "user.name"));
    expect(who.email).toBe(await realSqitch(project, env, "user.email"));
  });

  it("SQITCH_FULLNAME / SQITCH_EMAIL win; without any configuration, the system user", async () => {
    const { project, home, system } = files();
    expect(
      await sqitchCommitter(project, {
        HOME: home,
        SQITCH_SYSTEM_CONFIG: system,
        SQITCH_FULLNAME: "Env",
        SQITCH_EMAIL: "env@x",
      }),
    ).toEqual({ name: "Env", email: "env@x" });
    const bare = await sqitchCommitter(join(tmpdir(), "nowhere"), {
      HOME: join(tmpdir(), "nowhere"),
      SQITCH_SYSTEM_CONFIG: join(tmpdir(), "nowhere.conf"),
      SQITCH_ORIG_SYSUSER: "deployer",
    });
    expect(bare.email).toMatch(/^deployer@/);
    expect(parseSqitchUser("[User]\nName=A\n")).toEqual({ name: "A" });
  });
});

describe("the component's committer override", () => {
  const cluster = useCluster();

  it("is what the registry records", async () => {
    const dir = writeTree({
      "sqitch.conf": "[user]\n\tname = Conf\n\temail = conf@x\n",
      "sqitch.plan":
        "%syntax-version=1.0.0\n%project=p\n\nusers 2024-01-01T10:00:00Z Ann <ann@example.com> # users\n",
      "deploy/users.sql": "BEGIN;\nCREATE TABLE users (id int);\nCOMMIT;\n",
      "revert/users.sql": "BEGIN;\nDROP TABLE users;\nCOMMIT;\n",
    });
    await cluster.createDatabase("override");
    const client = await cluster.connect("override");
    try {
      const layout = layoutFor("sqitch", {
        migrationsDir: dir,
        committer: { name: "On Call", email: "oncall@example.com" },
      });
      const [m] = await layout.readMigrations(dir);
      await applyWith(client, layout, m!);
      const { rows } = await client.query("SELECT committer_name, committer_email FROM sqitch.changes");
      expect(rows).toEqual([{ committer_name: "On Call", committer_email: "oncall@example.com" }]);
    } finally {
      await client.end();
    }
  });
});

describe("Sqitch's outer transaction", () => {
  it("blanks the outer BEGIN/COMMIT (lines kept), and nothing else", async () => {
    const script = "-- Revert p:x from pg\n\nBEGIN;\n\nDROP TABLE x; -- not COMMIT;\n\nCOMMIT;\n";
    const out = await withoutOuterTransaction(script);
    expect(out.split("\n")).toHaveLength(script.split("\n").length);
    expect(out).not.toMatch(/\bBEGIN\b/);
    // The parser counts the comments before a statement into its range: they go with it.
    expect(out.trim()).toBe("DROP TABLE x;");
    expect(await withoutOuterTransaction("START TRANSACTION;\nSELECT 1;\nEND;")).toMatch(/^\s*SELECT 1;\s*$/);
    for (const kept of [
      "BEGIN;\nSELECT 1;\nROLLBACK;\n",
      "BEGIN;\nSELECT 1;\n",
      "SELECT 1;\nCOMMIT;\n",
      "BEGIN;\nSELEC 1;\nCOMMIT;",
    ])
      expect(await withoutOuterTransaction(kept)).toBe(kept);
  });
});
