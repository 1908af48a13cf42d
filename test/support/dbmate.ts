/**
 * The real dbmate (npm package dbmate) on a migrations directory of a test database: write
 * migration files, run dbmate with its arguments (never through a shell).
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

export const DBMATE = resolve(import.meta.dirname, "../../node_modules/.bin/dbmate");

export interface DbmateProject {
  migrations: string;
  /** Writes migration files (name → SQL with -- migrate:up / -- migrate:down sections). */
  write(files: Record<string, string>): void;
  /** dbmate ARGS; throws with dbmate's output when it fails. */
  run(...args: string[]): string;
  /** run() without blocking the event loop (a writer in this process may hold a lock dbmate waits on). */
  runAsync(...args: string[]): Promise<string>;
}

export function dbmateProject(url: string, migrations: string): DbmateProject {
  mkdirSync(migrations, { recursive: true });
  const argv = (args: string[]): string[] => [
    "--url",
    `${url}${url.includes("?") ? "&" : "?"}sslmode=disable`,
    "--migrations-dir",
    migrations,
    "--no-dump-schema",
    ...args,
  ];
  return {
    migrations,
    write(files) {
      for (const [file, sql] of Object.entries(files)) writeFileSync(join(migrations, file), sql);
    },
    run: (...args) => execFileSync(DBMATE, argv(args)).toString(),
    runAsync: async (...args) => (await promisify(execFile)(DBMATE, argv(args))).stdout,
  };
}
