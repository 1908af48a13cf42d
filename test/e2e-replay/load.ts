/**
 * A load generator for the restore-and-replay tests: N writers, each on its own connection,
 * inserting, updating and deleting rows of `users` and `orders`. A write is logged (with the
 * data it wrote) only after its COMMIT returned, so the log is exactly the set of writes the
 * application was told had succeeded. Each writer owns its rows (the ones it inserted, and the
 * seeded ids ≡ writer mod N), so the final state of every row follows from the log alone.
 */
import pg from "pg";

export type Table = "users" | "orders";

export interface LoggedWrite {
  writer: number;
  /** Order of the write within its writer (writers are serial, so this orders a row's writes). */
  n: number;
  table: Table;
  op: "insert" | "update" | "delete";
  id: number;
  /** Column values written (insert: every column but id; update: the columns set; delete: {}). */
  values: Record<string, string | number>;
  committedAt: number;
}

export interface LoadOptions {
  url: string;
  writers: number;
  /** Stop after this many logged writes in all (a bound, so a test never runs away). */
  maxWrites: number;
  /** Stop after this long (ms), whatever the count. */
  maxMs: number;
  /** Ids 1..seededUsers / 1..seededOrders exist before the load starts. */
  seededUsers: number;
  seededOrders: number;
  seed?: number;
  /** Pause between writes of one writer (ms), so the load spans the deploy. */
  pauseMs?: number;
}

export interface Load {
  readonly log: LoggedWrite[];
  /** Writes whose COMMIT failed with a lost connection: their outcome is unknown. */
  readonly uncertain: LoggedWrite[];
  /** From now on, user writes also set users.nickname (the app after the bad deploy). */
  useNickname(on: boolean): void;
  /** Resolves when the load has written at least `count` logged writes (or has stopped). */
  reached(count: number): Promise<void>;
  /** Stops every writer and waits for them; returns the log. */
  stop(): Promise<LoggedWrite[]>;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function startLoad(opts: LoadOptions): Load {
  const log: LoggedWrite[] = [];
  const uncertain: LoggedWrite[] = [];
  const started = Date.now();
  let stopping = false;
  let nickname = false;
  const waiters: { count: number; resolve: () => void }[] = [];
  const wake = (): void => {
    for (const w of [...waiters]) {
      if (stopping || log.length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const done = (): boolean => stopping || log.length >= opts.maxWrites || Date.now() - started >= opts.maxMs;

  async function writer(w: number): Promise<void> {
    const rand = prng((opts.seed ?? 7) * 1000 + w);
    const owned: Record<Table, number[]> = {
      users: seededOwned(opts.seededUsers, w, opts.writers),
      orders: seededOwned(opts.seededOrders, w, opts.writers),
    };
    // Like an application: a terminated connection (a database swap) is replaced by a new one,
    // retried while the database refuses connections.
    const open = async (): Promise<pg.Client | undefined> => {
      while (!done()) {
        const c = new pg.Client({ connectionString: opts.url });
        c.on("error", () => undefined);
        try {
          await c.connect();
          return c;
        } catch {
          await c.end().catch(() => undefined);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      return undefined;
    };
    let client = await open();
    let n = 0;
    try {
      while (client && !done()) {
        n += 1;
        const table: Table = rand() < 0.5 ? "users" : "orders";
        const write = await oneWrite(client, table, owned[table], w, n, rand, nickname);
        if (write === "lost" || write === "reconnect") {
          await client.end().catch(() => undefined);
          client = await open();
          continue;
        }
        if (write !== undefined) {
          log.push(write);
          wake();
        }
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
    } finally {
      await client?.end().catch(() => undefined);
    }
  }

  async function oneWrite(
    client: pg.Client,
    table: Table,
    owned: number[],
    w: number,
    n: number,
    rand: () => number,
    nick: boolean,
  ): Promise<LoggedWrite | "lost" | "reconnect" | undefined> {
    const r = rand();
    const op = owned.length === 0 || r < 0.5 ? "insert" : r < 0.8 ? "update" : "delete";
    const pick = Math.floor(rand() * owned.length);
    const id = owned[pick] ?? 0;
    const values = valuesFor(table, op, w, n, rand, nick);
    const cols = Object.keys(values);
    const params = Object.values(values);
    let text: string;
    if (op === "insert")
      text = `INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`;
    else if (op === "update")
      text = `UPDATE ${table} SET ${cols.map((c, i) => `${c} = $${i + 1}`).join(", ")} WHERE id = $${cols.length + 1} RETURNING id`;
    else text = `DELETE FROM ${table} WHERE id = $1 RETURNING id`;
    const args = op === "insert" ? params : op === "update" ? [...params, id] : [id];
    let rowId: number;
    try {
      await client.query("BEGIN");
      const res = await client.query<{ id: string }>(text, args);
      rowId = Number(res.rows[0]?.id);
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      if (stopping) return "lost";
      // Not committed: not a write the app was promised. A dead connection is replaced.
      const code = (e as { code?: string }).code;
      return code === undefined || code.startsWith("57P") || code.startsWith("08") ? "reconnect" : undefined;
    }
    const write: LoggedWrite = { writer: w, n, table, op, id: rowId, values, committedAt: 0 };
    try {
      await client.query("COMMIT");
    } catch {
      uncertain.push(write);
      return "lost";
    }
    write.committedAt = Date.now();
    if (op === "insert") owned.push(rowId);
    if (op === "delete") owned.splice(pick, 1);
    return write;
  }

  const writers = Array.from({ length: opts.writers }, (_, w) => writer(w));
  const all = Promise.allSettled(writers).then((results) => {
    stopping = true;
    wake();
    const failed = results.find((r) => r.status === "rejected");
    if (failed?.status === "rejected") throw failed.reason;
  });
  return {
    log,
    uncertain,
    useNickname(on) {
      nickname = on;
    },
    reached(count) {
      return new Promise((resolve) => {
        waiters.push({ count, resolve });
        wake();
        void all.finally(() => resolve());
      });
    },
    async stop() {
      stopping = true;
      await all;
      return log;
    },
  };
}

function seededOwned(count: number, w: number, writers: number): number[] {
  const ids: number[] = [];
  for (let id = 1; id <= count; id++) if (id % writers === w) ids.push(id);
  return ids;
}

function valuesFor(
  table: Table,
  op: "insert" | "update" | "delete",
  w: number,
  n: number,
  rand: () => number,
  nick: boolean,
): Record<string, string | number> {
  if (op === "delete") return {};
  const tag = `w${w}-${n}`;
  if (table === "users") {
    const v: Record<string, string | number> = { name: `name-${tag}` };
    if (op === "insert" || rand() < 0.5) v.email = `${tag}@example.com`;
    // The app after the bad deploy writes the new column; its values are marked "nick-" so they
    // can be told apart from the migration's own backfill (split_part(email, '@', 1)).
    if (nick) v.nickname = `nick-${tag}`;
    return v;
  }
  const v: Record<string, string | number> = { amount: 1 + Math.floor(rand() * 10_000) };
  if (op === "insert") v.user_id = 1 + Math.floor(rand() * 100);
  v.status = rand() < 0.5 ? "paid" : "open";
  return v;
}
