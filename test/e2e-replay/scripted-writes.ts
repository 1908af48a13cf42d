/**
 * The crash tests' workload and what they compare: the same scripted writes in each
 * environment (checkpoint, writes, the deploy, writes to the new column), and its end state
 * after a rollback: rows, archived writes and the sequence.
 */
import { expect } from "vitest";
import { cli } from "../e2e/cli.js";
import type { PgCluster } from "../support/postgres.js";
import type { ReplayEnv } from "./environment.js";

type Server = Pick<PgCluster, "sql">;

export async function scriptedWrites(server: Server, env: ReplayEnv): Promise<void> {
  const cp = await cli(["checkpoint", "--good", "--name", "before-deploy"], { cwd: env.dir });
  expect(cp.exitCode, cp.stderr).toBe(0);
  for (let t = 0; t < 10; t++) {
    await server.sql(
      `INSERT INTO orders (user_id, amount, status) SELECT g, g + ${t}, 'open' FROM generate_series(1, 600) g;
       UPDATE users SET name = name || '-t${t}' WHERE id % 10 = ${t};`,
      [],
      env.db,
    );
  }
  env.deploy();
  for (let t = 0; t < 6; t++) {
    await server.sql(
      `INSERT INTO users (email, name, nickname) SELECT 'n${t}-' || g || '@x', 'after', 'nick-${t}-' || g FROM generate_series(1, 300) g;
       DELETE FROM orders WHERE id % 7 = ${t};`,
      [],
      env.db,
    );
  }
}

export async function endState(server: Server, db: string): Promise<unknown[]> {
  return [
    await server.sql("SELECT * FROM users ORDER BY id", [], db),
    await server.sql("SELECT * FROM orders ORDER BY id", [], db),
    await server.sql(
      `SELECT "table", op, keys, "values", reason FROM backout_archive.replay_unmapped ORDER BY seq`,
      [],
      db,
    ),
    await server.sql("SELECT last_value FROM users_id_seq", [], db),
  ];
}
