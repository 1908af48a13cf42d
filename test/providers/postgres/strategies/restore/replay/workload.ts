/**
 * A deterministic app workload since the checkpoint, for the idempotency and speed tests:
 * users and orders inserted, updated and deleted in small transactions (a seeded generator,
 * so every run writes the same changes), plus a mid-way migration with a backfill.
 */
import { ChangeLog, del, ins, upd } from "./fixture.js";

export const WORKLOAD_SCHEMA = `
  CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, name text, score int NOT NULL DEFAULT 0);
  CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL, amount numeric(12,2) NOT NULL,
                       note text, placed_at timestamptz NOT NULL);
  CREATE TABLE schema_migrations (version text PRIMARY KEY);
  INSERT INTO users (email, name) SELECT 'u' || i || '@x', 'user ' || i FROM generate_series(1, 1000) i;
  INSERT INTO schema_migrations VALUES ('1');`;

/** mulberry32: small, fast, seeded. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** About `count` changes (inserts ~60%, updates ~30%, deletes ~10%), 1–5 per transaction. */
export function workload(count: number, seed = 42): ChangeLog {
  const rnd = random(seed);
  const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(rnd() * xs.length)];
  const users = Array.from({ length: 1000 }, (_, i) => i + 1);
  const orders: number[] = [];
  let nextUser = 1001;
  let nextOrder = 1;
  let written = 0;
  const log = new ChangeLog();
  while (written < count) {
    if (written > count / 2 && written - 5 <= count / 2) {
      // The bad deploy's backfill: a migration transaction, never replayed.
      log.tx(
        [
          ...users
            .slice(0, 20)
            .map((id) => upd("users", { id }, { id, email: `u${id}@x`, nickname: `n${id}` })),
          ins("schema_migrations", { version: "2" }, ["version"]),
        ],
        { migration: true },
      );
    }
    const size = 1 + Math.floor(rnd() * 5);
    const body = [];
    for (let i = 0; i < size; i++) {
      const r = rnd();
      const user = pick(users);
      const order = pick(orders);
      if (r < 0.3 || user === undefined) {
        const id = nextUser++;
        users.push(id);
        const nickname = rnd() < 0.2 ? `nick${id}` : null;
        body.push(ins("users", { id, email: `u${id}@x`, name: `user ${id}`, score: 0, nickname }));
      } else if (r < 0.6) {
        const id = nextOrder++;
        orders.push(id);
        const amount = (Math.floor(rnd() * 100000) / 100).toFixed(2);
        const placedAt = new Date(1714564800000 + id * 1000).toISOString();
        body.push(ins("orders", { id, user_id: user, amount, note: `o'${id}"\\`, placed_at: placedAt }));
      } else if (r < 0.75) {
        const score = Math.floor(rnd() * 1000);
        body.push(
          upd(
            "users",
            { id: user },
            { id: user, email: `u${user}@x`, name: `user ${user}`, score, nickname: null },
          ),
        );
      } else if (r < 0.9 && order !== undefined) {
        body.push(upd("orders", { id: order }, { note: `edited ${written}`, id: order }));
      } else if (r < 0.95 && order !== undefined) {
        orders.splice(orders.indexOf(order), 1);
        body.push(del("orders", { id: order }));
      } else {
        users.splice(users.indexOf(user), 1);
        body.push(del("users", { id: user }));
      }
    }
    log.tx(body);
    written += size;
  }
  return log;
}
