/**
 * The classifier corpus against a live database: the statements whose class depends on the
 * triggers, rules and foreign-key actions of the tables they write (classify-corpus-live.ts),
 * then the whole corpus's confusion matrix (the parse-only part from classify-corpus.ts too).
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyScript } from "../../../../src/providers/postgres/classify/classify.js";
import { useCluster } from "../../../support/postgres.js";
import { CORPUS, type Expected, confusionMatrix } from "./classify-corpus.js";
import { LIVE_CORPUS, LIVE_SCHEMA } from "./classify-corpus-live.js";

const cluster = useCluster();
let db: pg.Client;

beforeAll(async () => {
  const { name } = await cluster.freshDatabase("corpus");
  db = await cluster.connect(name);
  await db.query(LIVE_SCHEMA);
});

afterAll(async () => {
  await db?.end();
});

describe("default-deny classifier corpus, live catalog", () => {
  it("classifies every statement as a reviewer would, given what the database attaches to its tables", async () => {
    const results: [Expected, Expected][] = [];
    const wrong: string[] = [];
    for (const [sql, expected] of LIVE_CORPUS) {
      const out = await classifyScript(sql, "down.sql", "public", db);
      expect(out, sql).toHaveLength(1);
      const got = out[0]?.class ?? "safe";
      results.push([expected, got]);
      if (got !== expected) wrong.push(`${expected} → ${got}: ${sql} (${out[0]?.reason})`);
    }
    console.log(`live part:\n${confusionMatrix(results)}`);
    for (const [sql, expected] of CORPUS) {
      results.push([expected, (await classifyScript(sql, "down.sql"))[0]?.class ?? "safe"]);
    }
    console.log(`whole corpus:\n${confusionMatrix(results)}`);
    expect(wrong).toEqual([]);
  });
});
