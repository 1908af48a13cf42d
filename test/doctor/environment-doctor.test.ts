/**
 * `backout doctor` as a user runs it: the environment's own checks, each broken once (store,
 * good checkpoint, migrations inside a switched release, drill age, checks answering now), the
 * exit code (0 without a fail, 1 with one) and --json.
 */
import { mkdirSync, openSync, closeSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "../e2e/cli.js";
import { freePort } from "../support/free-port.js";

interface Line {
  component?: string;
  name: string;
  status: string;
  fix?: string;
}

async function doctorJson(cwd: string): Promise<{ exitCode: number; status: string; checks: Line[] }> {
  const r = await cli(["doctor", "--json"], { cwd });
  const parsed = JSON.parse(r.stdout) as { status: string; checks: Line[] };
  return { exitCode: r.exitCode, ...parsed };
}

function line(checks: Line[], name: string): Line {
  const found = checks.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} in ${JSON.stringify(checks)}`);
  return found;
}

function releaseProject(extra = ""): string {
  const dir = tempDir("envdoc");
  mkdirSync(join(dir, "app", "releases", "v1"), { recursive: true });
  mkdirSync(join(dir, "app", "releases", "v2"), { recursive: true });
  symlinkSync("releases/v2", join(dir, "app", "current"));
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1\nenvironment: t\ncomponents:\n  web:\n    kind: release\n    path: app\n${extra}`,
  );
  return dir;
}

describe("backout doctor: the environment's checks", () => {
  it("passes (exit 0) with warnings only, and says why in text", async () => {
    const dir = releaseProject();
    const r = await cli(["doctor"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("pass  current release:");
    expect(r.stdout).toMatch(/WARN {2}good checkpoint: .*\n {8}fix: Take one before each deploy/);
    const json = await doctorJson(dir);
    expect(json.status).toBe("warn");
    expect(line(json.checks, "good checkpoint").status).toBe("warn");
    expect((await cli(["checkpoint", "--good"], { cwd: dir })).exitCode).toBe(0);
    expect(line((await doctorJson(dir)).checks, "good checkpoint").status).toBe("pass");
  });

  it("fails (exit 1) on a damaged store", async () => {
    const dir = releaseProject();
    expect((await cli(["checkpoint", "--good"], { cwd: dir })).exitCode).toBe(0);
    // Overwrite a page in the middle of the database file: the b-tree no longer checks out.
    const fd = openSync(join(dir, ".backout", "backout.db"), "r+");
    writeSync(fd, Buffer.alloc(4096, 0xab), 0, 4096, 4096 * 2);
    closeSync(fd);
    const json = await cli(["doctor", "--json"], { cwd: dir });
    expect(json.exitCode).not.toBe(0);
    expect(json.stdout + json.stderr).toMatch(
      /store integrity|STORE_DAMAGED|STORE_FAILED|malformed|not a database/i,
    );
  });

  it("fails when a postgres component reads its migrations through a release's current link", async () => {
    const dir = releaseProject(
      `  db:\n    kind: postgres\n    url: postgres://x@127.0.0.1:${await freePort()}/x\n    migrations: app/current/db/migrations\n    format: dbmate\n`,
    );
    const json = await doctorJson(dir);
    expect(json.exitCode).toBe(1);
    const c = line(json.checks, "migrations of db");
    expect(c.status).toBe("fail");
    expect(c.fix).toContain("outside");
    expect(line(json.checks, "drill of db").status).toBe("warn");
  });

  it("reports the last drill: not clean is a fail, an old one a warning", async () => {
    const dir = releaseProject(
      `  db:\n    kind: postgres\n    url: postgres://x@127.0.0.1:${await freePort()}/x\n    migrations: db\n    format: dbmate\n`,
    );
    mkdirSync(join(dir, ".backout"), { recursive: true });
    writeFileSync(
      join(dir, ".backout", "drills.json"),
      JSON.stringify({ db: { at: Date.now(), clean: false } }),
    );
    expect(line((await doctorJson(dir)).checks, "drill of db").status).toBe("fail");
    writeFileSync(
      join(dir, ".backout", "drills.json"),
      JSON.stringify({ db: { at: Date.now() - 30 * 86_400_000, clean: true } }),
    );
    expect(line((await doctorJson(dir)).checks, "drill of db").status).toBe("warn");
  });

  it("fails when a validation check does not answer now", async () => {
    const port = await freePort();
    const dir = releaseProject(`validation:\n  - tcp: "127.0.0.1:${port}"\n    retries: 0\n`);
    const json = await doctorJson(dir);
    expect(json.exitCode).toBe(1);
    const c = json.checks.find((l) => l.name.startsWith("check "));
    expect(c?.status).toBe("fail");
  });
});
