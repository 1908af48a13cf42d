/**
 * `backout init` refuses what would surprise: overwriting without --force, asking with no
 * terminal; and detects what it can (release roots, dbmate files) under --yes.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "../e2e/cli.js";

const ENV = { DATABASE_URL: "", REDIS_URL: "" };

function withRelease(): string {
  const dir = tempDir("init");
  mkdirSync(join(dir, "shop", "releases", "r1"), { recursive: true });
  symlinkSync("releases/r1", join(dir, "shop", "current"));
  return dir;
}

describe("backout init", () => {
  it("finds release roots on its own and never overwrites without --force", async () => {
    const dir = withRelease();
    const first = await cli(["init", "--yes"], { cwd: dir, env: ENV });
    expect(first.exitCode).toBe(0);
    const written = readFileSync(join(dir, "backout.yaml"), "utf8");
    expect(written).toContain('"shop":\n    kind: release\n    path: "shop"');
    writeFileSync(join(dir, "backout.yaml"), "# mine\n");
    const again = await cli(["init", "--yes"], { cwd: dir, env: ENV });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("already exist");
    expect(again.stderr).toContain("--force");
    expect(readFileSync(join(dir, "backout.yaml"), "utf8")).toBe("# mine\n");
    const forced = await cli(["init", "--yes", "--force"], { cwd: dir, env: ENV });
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(join(dir, "backout.yaml"), "utf8")).toBe(written);
  });

  it("without a terminal and without --yes it asks nothing and changes nothing", async () => {
    const dir = withRelease();
    const r = await cli(["init"], { cwd: dir, env: ENV });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--yes");
    expect(() => readFileSync(join(dir, "backout.yaml"))).toThrow();
  });

  it("detects the migration tool, and moves a URL's password to a variable", async () => {
    const dir = withRelease();
    mkdirSync(join(dir, "db", "migrations"), { recursive: true });
    writeFileSync(
      join(dir, "db", "migrations", "20240101000001_a.sql"),
      "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
    );
    const r = await cli(["init", "--yes", "--postgres", "postgres://app:s3cret@127.0.0.1:5432/app"], {
      cwd: dir,
      env: ENV,
    });
    expect(r.exitCode).toBe(0);
    const yaml = readFileSync(join(dir, "backout.yaml"), "utf8");
    expect(yaml).toContain("format: dbmate");
    expect(yaml).toContain('migrations: "db/migrations"');
    expect(yaml).toContain("postgres://app:${DB_PASSWORD}@127.0.0.1:5432/app");
    expect(yaml).not.toContain("s3cret");
    expect(r.stderr).toContain("DB_PASSWORD");
  });

  it("--nginx-config without a pool is a usage error naming the flag", async () => {
    const dir = withRelease();
    const r = await cli(["init", "--yes", "--nginx-config", join(dir, "nginx.conf")], { cwd: dir, env: ENV });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--pool");
  });
});
