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
  // Each: the URL, the password pg connects with, the URL pg_dump gets.
  it.each([
    [
      "percent-encoded",
      "postgres://u:hunter%402@127.0.0.1:5432/db",
      "hunter@2",
      "postgres://u@127.0.0.1:5432/db",
    ],
    [
      "not valid percent-encoding",
      "postgres://u:hunter%zz2@127.0.0.1:5432/db",
      "hunter%zz2",
      "postgres://u@127.0.0.1:5432/db",
    ],
    // The other parameters are passed on as written (libpq does not read + as a space).
    [
      "the password query parameter",
      "postgres://u@127.0.0.1:5432/db?sslmode=disable&password=hunter2&options=-c%20x%3Dy",
      "hunter2",
      "postgres://u@127.0.0.1:5432/db?sslmode=disable&options=-c%20x%3Dy",
    ],
  ])("goes in PGPASSWORD, not argv, when it is %s", async (_, url, expected, shown) => {
    const { args, password } = await dumpWith(url);
    expect(args.join(" ")).not.toContain("hunter");
    expect(args).toEqual(["--schema-only", `--dbname=${shown}`]);
    expect(password).toBe(expected);
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
