/**
 * node-pg-migrate JavaScript/TypeScript migrations end to end, through the built CLI, with the
 * real node-pg-migrate 8 (and tsx for the .ts file) and a real PostgreSQL 15: the down SQL comes
 * from the tool's dry run, is classified and stored in the plan, and `run`/`approve` execute the
 * stored SQL (the migration file is gone by then). The README's example is the migration used.
 */
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../src/process/run-command.js";
import { useCluster } from "../support/postgres.js";
import { cli, tempDir } from "./cli.js";

const MODULES = resolve("node_modules");
const BIN = join(MODULES, ".bin", "node-pg-migrate");

/** The README's example migration, exactly as printed there. */
function readmeMigration(): { name: string; text: string } {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const block = /```js\n(\/\/ migrations\/(\S+)\n[\s\S]*?)```/.exec(readme);
  if (!block?.[1] || !block[2]) throw new Error("README has no node-pg-migrate example");
  return { name: block[2], text: block[1] };
}

const CREATE_USERS = `export const up = (pgm) => {
  pgm.createTable("users", { id: "id", email: { type: "text", notNull: true } });
};
`;
/** TypeScript, outside a transaction, no down export: the tool reverses the up itself. */
const EMAIL_INDEX = `import type { MigrationBuilder } from "node-pg-migrate";
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  pgm.addIndex("users", "email", { concurrently: true });
}
`;
const NO_DOWN = `export const up = (pgm) => {
  pgm.sql("DELETE FROM users WHERE email LIKE '%@test.invalid'");
};
export const down = false;
`;

interface PlanJson {
  hash: string;
  dataLoss: boolean;
  steps: {
    id: string;
    description: string;
    risk: { dataLoss: boolean; summary: string; measured?: string };
    params: {
      downSql: string;
      transaction: boolean;
      statements: { line: number; reason: string; class: string }[];
    };
  }[];
}

describe("node-pg-migrate JS/TS migrations: the tool's dry run gives the down (real node-pg-migrate 8, PostgreSQL 15)", () => {
  const pg = useCluster();

  let count = 0;
  /** A project as its users have it: package.json (ESM), node_modules with node-pg-migrate and tsx. */
  async function project(files: Record<string, string>, extraYaml = "") {
    count += 1;
    const dir = tempDir("npm-js");
    const db = `npm_js_${count}`;
    const url = await pg.createDatabase(db);
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    symlinkSync(MODULES, join(dir, "node_modules"));
    const migrations = join(dir, "migrations");
    mkdirSync(migrations);
    const write = (more: Record<string, string>) => {
      for (const [name, text] of Object.entries(more)) writeFileSync(join(migrations, name), text);
    };
    write(files);
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: npm-js-${count}
policies:
  retry: { initialInterval: 10ms }
components:
  db:
    kind: postgres
    url: ${url}
    migrations: migrations
    format: node-pg-migrate
    dataLoss: confirm
${extraYaml}`,
    );
    const tool = async (...args: string[]): Promise<string> => {
      if (!existsSync(BIN))
        throw new Error(`${BIN} is missing: npm install (devDependency node-pg-migrate 8)`);
      const out = await runCommand({
        argv: [BIN, ...args, "-m", migrations, "--tsx", "--no-verbose"],
        cwd: dir,
        env: { ...process.env, DATABASE_URL: url },
        timeoutMs: 30_000,
      });
      if (out.exitCode !== 0)
        throw new Error(`node-pg-migrate ${args.join(" ")}:\n${out.stdout}\n${out.stderr}`);
      return out.stdout;
    };
    const applied = async () =>
      (await pg.sql("SELECT name FROM pgmigrations ORDER BY run_on, id", [], db)).map(
        (r) => r.name as string,
      );
    return { dir, db, migrations, write, tool, applied };
  }

  it(
    "checkpoint → up → plan shows the dry-run down with its risk → the approved plan reverts it from the stored SQL; drill agrees",
    { timeout: 300_000 },
    async () => {
      const example = readmeMigration();
      const p = await project({ "1700000000000_create-users.js": CREATE_USERS });
      await p.tool("up");
      await pg.sql(
        "INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 40) g",
        [],
        p.db,
      );
      // The deploy's migrations are in place, not applied yet: checkpoint, then drill them.
      p.write({ [example.name]: example.text, "1700000000002_email-index.ts": EMAIL_INDEX });
      const cp = await cli(["checkpoint", "--good", "--name", "before-deploy"], { cwd: p.dir });
      expect(cp.exitCode, cp.stderr).toBe(0);
      const drill = await cli(["drill", "--json"], { cwd: p.dir });
      expect(drill.exitCode, drill.stderr).toBe(1);
      const drilled = (
        JSON.parse(drill.stdout) as {
          components: {
            migrations: {
              version: string;
              up: boolean;
              down: boolean;
              reapplied: boolean;
              findings: { kind: string; details?: string[] }[];
            }[];
          }[];
        }
      ).components[0]?.migrations;
      expect(drilled?.map((m) => [m.version, m.up, m.down, m.reapplied])).toEqual([
        ["1700000000001_add-nickname", true, true, true],
        ["1700000000002_email-index", true, true, true],
      ]);
      expect(drilled?.[1]?.findings).toEqual([]);
      const drillLoss = drilled?.[0]?.findings.find((f) => f.kind === "down-loses-data");

      await p.tool("up");
      expect(await p.applied()).toEqual([
        "1700000000000_create-users",
        "1700000000001_add-nickname",
        "1700000000002_email-index",
      ]);
      await pg.sql("INSERT INTO users (email, nickname) VALUES ('late@example.com', 'late')", [], p.db);

      const planned = await cli(["plan", "--json"], { cwd: p.dir });
      expect(planned.exitCode, planned.stderr).toBe(0);
      const plan = JSON.parse(planned.stdout) as PlanJson;
      expect(plan.steps.map((s) => s.id)).toEqual(["db#1:migrate-down", "db#2:migrate-down"]);
      const [index, nickname] = plan.steps;
      expect(index?.description).toMatch(
        /1700000000002_email-index\.ts \(its SQL from node-pg-migrate's dry run\)/,
      );
      expect(index?.params.downSql).toBe('DROP INDEX CONCURRENTLY "users_email_index";');
      expect(index?.params.transaction).toBe(false);
      expect(index?.risk.summary).toMatch(/outside a transaction/);
      expect(nickname?.params.downSql).toBe('ALTER TABLE "users"\n  DROP "nickname";');
      expect(nickname?.risk.dataLoss).toBe(true);
      expect(nickname?.risk.summary).toBe("drops column users.nickname");
      expect(nickname?.risk.measured).toBe("users.nickname: 41 non-null values");
      expect(plan.dataLoss).toBe(true);
      // The drill judged the same SQL: the same statement, line and reason as the plan's step.
      const planned2 = nickname?.params.statements.filter((s) => s.class !== "safe") ?? [];
      expect(drillLoss?.details).toEqual(planned2.map((s) => `${example.name} line ${s.line}: ${s.reason}`));

      const gated = await cli(["run"], { cwd: p.dir });
      expect(gated.exitCode, gated.stderr).toBe(3);
      const id =
        (JSON.parse((await cli(["history", "--json"], { cwd: p.dir })).stdout) as { id: string }[])[0]?.id ??
        "";
      // The plan is self-contained: with the migration files gone, the approval still reverts both.
      rmSync(join(p.migrations, example.name));
      rmSync(join(p.migrations, "1700000000002_email-index.ts"));
      const ok = await cli(["approve", id, "--plan-hash", plan.hash.slice(0, 12)], { cwd: p.dir });
      expect(ok.exitCode, ok.stderr + ok.stdout).toBe(0);
      expect(await p.applied()).toEqual(["1700000000000_create-users"]);
      const cols = await pg.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1",
        [],
        p.db,
      );
      expect(cols.map((c) => c.column_name as string)).toEqual(["email", "id"]);
      expect(
        await pg.sql("SELECT indexname FROM pg_indexes WHERE tablename = 'users' ORDER BY 1", [], p.db),
      ).toEqual([{ indexname: "users_pkey" }]);
      // The tool agrees: with the files back, its `up` re-applies both.
      p.write({ [example.name]: example.text, "1700000000002_email-index.ts": EMAIL_INDEX });
      expect(await p.tool("up")).toMatch(/add-nickname[\s\S]*email-index/);
    },
  );

  it(
    "a migration whose down the tool refuses (down = false) is refused at checkpoint, by plan and by drill, naming the file",
    { timeout: 300_000 },
    async () => {
      const p = await project({ "1700000000000_create-users.js": CREATE_USERS });
      await p.tool("up");
      p.write({ "1700000000001_purge-test-users.js": NO_DOWN });
      const cp = await cli(["checkpoint", "--good", "--name", "cp"], { cwd: p.dir });
      expect(cp.exitCode).toBe(2);
      expect(cp.stderr).toMatch(/PLAN_INVALID/);
      expect(cp.stderr).toMatch(/1700000000001_purge-test-users\.js/);
      expect(cp.stderr).toMatch(/User has disabled down migration/);
      expect(JSON.parse((await cli(["checkpoints", "--json"], { cwd: p.dir })).stdout)).toEqual([]);

      const drill = await cli(["drill"], { cwd: p.dir });
      expect(drill.exitCode).toBe(1);
      expect(drill.stdout).toMatch(
        /no-down: node-pg-migrate's dry run of its down fails \(User has disabled down migration/,
      );

      // Without the file the checkpoint is taken; once the migration is deployed, plan refuses.
      rmSync(join(p.migrations, "1700000000001_purge-test-users.js"));
      expect((await cli(["checkpoint", "--good", "--name", "cp"], { cwd: p.dir })).exitCode).toBe(0);
      p.write({ "1700000000001_purge-test-users.js": NO_DOWN });
      await p.tool("up");
      const plan = await cli(["plan"], { cwd: p.dir });
      expect(plan.exitCode).toBe(2);
      expect(plan.stderr).toMatch(
        /PLAN_INVALID[\s\S]*1700000000001_purge-test-users\.js\) cannot be reverted/,
      );
    },
  );

  it("with a snapshot to restore instead, the same migration does not block the checkpoint", async () => {
    const p = await project(
      { "1700000000000_create-users.js": CREATE_USERS, "1700000000001_purge-test-users.js": NO_DOWN },
      "    strategy: restore\n    snapshot: dump\n",
    );
    const { refuseUnrevertable } =
      await import("../../src/providers/postgres/strategies/reverse/checkpoint-downs.js");
    const ctx = {
      component: {
        name: "db",
        kind: "postgres",
        settings: {
          url: pg.url(p.db),
          migrations: "migrations",
          format: "node-pg-migrate",
          strategy: "restore",
          snapshot: "dump",
        },
      },
      baseDir: p.dir,
      env: process.env,
      signal: new AbortController().signal,
      clock: { now: () => 0 },
      redact: (t: string) => t,
      dataLossPolicy: "confirm",
    };
    await expect(refuseUnrevertable(ctx as never)).resolves.toBeUndefined();
    const reverse = {
      ...ctx,
      component: { ...ctx.component, settings: { ...ctx.component.settings, strategy: "reverse" } },
    };
    await expect(refuseUnrevertable(reverse as never)).rejects.toThrow(/purge-test-users\.js/);
  });
});
