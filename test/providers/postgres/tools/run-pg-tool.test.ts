/**
 * The PostgreSQL client programs never get the URL's password in argv (any user of the host reads
 * argv with `ps`): it goes in PGPASSWORD, the same password the connections (pg) use, whatever
 * the URL looks like. The program run is a real process standing in for pg_dump (recording-bin.ts).
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { BackoutError } from "../../../../src/core/errors.js";
import { runPgTool, runPgToolOk } from "../../../../src/providers/postgres/tools/run-pg-tool.js";
import { recordingBin, type RecordedRun } from "./recording-bin.js";

async function dumpWith(url: string): Promise<RecordedRun> {
  const { bin, runs } = recordingBin("pg_dump");
  const env = { PATH: process.env.PATH };
  await runPgToolOk({ bin, url, env, redact: (t) => t }, "pg_dump", (u) => [
    "--schema-only",
    `--dbname=${u}`,
  ]);
  const [run, ...more] = runs();
  expect(more).toEqual([]);
  return run ?? { args: [], password: "<did not run>" };
}

/** The password pg (src/providers/postgres/connection) sends for `url`. */
function pgPassword(url: string): unknown {
  return new pg.Client({ connectionString: url }).password;
}

describe("the client programs' password", () => {
  it("goes in PGPASSWORD, not argv", async () => {
    const url = "postgres://u:s3cr%40t@127.0.0.1:5432/db";
    const { args, password } = await dumpWith(url);
    expect(args).toEqual(["--schema-only", "--dbname=postgres://u@127.0.0.1:5432/db"]);
    expect(password).toBe("s3cr@t");
    expect(password).toBe(pgPassword(url));
  });

  it("stays out of argv when it is not valid percent-encoding, and is the one pg connects with", async () => {
    const url = "postgres://u:hunter%zz2@127.0.0.1:5432/db";
    const { args, password } = await dumpWith(url);
    expect(args.join(" ")).not.toContain("hunter");
    expect(args).toEqual(["--schema-only", "--dbname=postgres://u@127.0.0.1:5432/db"]);
    expect(password).toBe("hunter%zz2");
    expect(password).toBe(pgPassword(url));
  });

  it("stays out of argv when it is given as the password query parameter", async () => {
    const url = "postgres://u@127.0.0.1:5432/db?sslmode=disable&password=hunter2&options=-c%20x%3Dy";
    const { args, password } = await dumpWith(url);
    expect(args.join(" ")).not.toContain("hunter2");
    // The other parameters are passed on as written (libpq does not read + as a space).
    expect(args).toContain("--dbname=postgres://u@127.0.0.1:5432/db?sslmode=disable&options=-c%20x%3Dy");
    expect(password).toBe("hunter2");
    expect(password).toBe(pgPassword(url));
  });

  it("leaves a URL without a password as it is", async () => {
    const url = "postgres://u@127.0.0.1:5432/db?sslmode=disable";
    const { args, password } = await dumpWith(url);
    expect(args).toEqual(["--schema-only", `--dbname=${url}`]);
    expect(password).toBeUndefined();
  });

  it("refuses a URL that cannot be parsed, without running the program or showing the URL", async () => {
    const { bin, runs } = recordingBin("pg_dump");
    const url = "postgres://u:hunter2@[::1/db";
    const run = {
      bin,
      url,
      env: { PATH: process.env.PATH },
      redact: (t: string) => t,
      where: { component: "db" },
    };
    const err = await runPgTool(run, "pg_dump", (u) => [`--dbname=${u}`]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackoutError);
    expect((err as BackoutError).code).toBe("CONFIG_INVALID");
    expect((err as BackoutError).where).toEqual({ component: "db" });
    expect(JSON.stringify(err)).not.toContain("hunter2");
    expect(runs()).toEqual([]);
  });
});
