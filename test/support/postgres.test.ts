import { describe, expect, it } from "vitest";
import { useCluster } from "./postgres.js";

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
});
