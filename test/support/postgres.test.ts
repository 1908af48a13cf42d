import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startPostgres, useCluster } from "./postgres.js";

describe("the PostgreSQL test cluster (real server)", () => {
  const pg = useCluster();

  it("starts a real PostgreSQL 15 on a loopback port and runs SQL with bind parameters", async () => {
    const [row] = await pg.sql("SELECT current_setting('server_version_num')::int AS v, $1::text AS echo", [
      "hi",
    ]);
    expect(row?.v).toBeGreaterThanOrEqual(150000);
    expect(row?.echo).toBe("hi");
    const url = await pg.createDatabase("app");
    expect(url).toContain(`:${pg.port}/app`);
    expect(
      pg.run("pg_dump", ["--schema-only", "-h", "127.0.0.1", "-p", String(pg.port), "-U", "postgres", "app"]),
    ).toContain("PostgreSQL database dump");
  });

  it("stop() ends the server itself, not only the runuser in front of it", async () => {
    const other = await startPostgres();
    const pid = Number(readFileSync(join(other.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    await other.stop();
    // The postmaster is gone when stop() returns (an orphan would answer signal 0).
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }) as Error);
  });
});
