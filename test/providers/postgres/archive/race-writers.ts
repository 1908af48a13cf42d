/**
 * Writers hammering exactly the rows and column a down destroys, while it runs. Each writer owns
 * the ids ≡ w (mod n), so the last value it saw committed for a row is that row's last committed
 * value. A write counts only once PostgreSQL acknowledged it (autocommit: committed) and it
 * changed a row; one blocked behind backout's lock that fails (column gone) or finds its row
 * deleted was never committed.
 */
import type pg from "pg";
import type { PgCluster } from "../../../support/postgres.js";

export interface RaceWriters {
  /** id → last committed note, over every writer. */
  last(): Map<string, string>;
  /** Writes committed so far. */
  committed(): number;
  /** Stops the writers and waits for them. */
  stop(): Promise<void>;
}

export async function startRaceWriters(
  cluster: PgCluster,
  database: string,
  opts: { writers: number; ids: number; insertOwner?: string },
): Promise<RaceWriters> {
  const clients: pg.Client[] = [];
  for (let w = 0; w < opts.writers; w++) clients.push(await cluster.connect(database));
  const last = new Map<string, string>();
  let committed = 0;
  let stopped = false;
  const loops = clients.map(async (client, w) => {
    for (let i = 0; !stopped; i++) {
      const value = `w${w}-${i}`;
      try {
        if (opts.insertOwner !== undefined && i % 5 === 0) {
          const r = await client.query<{ id: string }>(
            "INSERT INTO accounts (owner, note) VALUES ($1, $2) RETURNING id::text AS id",
            [opts.insertOwner, value],
          );
          const id = r.rows[0]?.id;
          if (id !== undefined) last.set(id, value);
        } else {
          // Ids 1..ids: writer w takes w+1, w+1+n, ...
          const id = 1 + w + opts.writers * (i % Math.floor(opts.ids / opts.writers));
          const r = await client.query("UPDATE accounts SET note = $1 WHERE id = $2", [value, id]);
          if (r.rowCount !== 1) continue;
          last.set(String(id), value);
        }
        committed++;
      } catch {
        // The column is gone (the down committed): nothing more to write.
        if (!stopped) await new Promise((r) => setTimeout(r, 5));
      }
    }
  });
  return {
    last: () => last,
    committed: () => committed,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.end()));
    },
  };
}
