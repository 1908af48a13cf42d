/** Shared pieces of the dump-mode restore tests: an app database with a checkpoint dump. */
import { join } from "node:path";
import type { PgCluster } from "../../../../support/postgres.js";

export const redact = (t: string): string => t;

/** Creates `name` with `rows` rows in items, dumps it (-Fc) and returns the dump's path. */
export async function appWithDump(cluster: PgCluster, name: string, rows: number): Promise<string> {
  await cluster.createDatabase(name);
  await cluster.sql(
    `CREATE TABLE items (id serial PRIMARY KEY, label text NOT NULL);
     INSERT INTO items (label) SELECT 'row ' || g FROM generate_series(1, ${rows}) g;`,
    [],
    name,
  );
  const file = join(cluster.root, `${name}.dump`);
  cluster.run("pg_dump", [
    "-Fc",
    "-h",
    cluster.host,
    "-p",
    String(cluster.port),
    "-U",
    "postgres",
    "-f",
    file,
    name,
  ]);
  return file;
}

export async function count(cluster: PgCluster, db: string): Promise<number> {
  const rows = await cluster.sql("SELECT count(*)::int AS n FROM items", [], db);
  return Number(rows[0]?.n);
}

export async function dbNames(cluster: PgCluster, prefix: string): Promise<string[]> {
  const rows = await cluster.sql(
    "SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY datname",
    [prefix],
  );
  return rows.map((r) => String(r.datname));
}
