import { parse } from "libpg-query";
import { describe, expect, it } from "vitest";
import { classifyScript } from "../../../../src/providers/postgres/classify/classify.js";
import { CORPUS, type Expected, confusionMatrix } from "./classify-corpus.js";

/** The statement kind libpg-query gives the corpus line (its one and only statement). */
async function kindOf(sql: string): Promise<string> {
  const result = (await parse(sql)) as { stmts: { stmt: Record<string, unknown> }[] };
  expect(result.stmts, sql).toHaveLength(1);
  return Object.keys(result.stmts[0]?.stmt ?? {})[0] ?? "";
}

describe("default-deny classifier corpus", () => {
  it("classifies every corpus statement as a reviewer would (confusion matrix is diagonal)", async () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(100);
    const results: [Expected, Expected][] = [];
    const wrong: string[] = [];
    for (const [sql, expected] of CORPUS) {
      const out = await classifyScript(sql, "down.sql");
      expect(out, sql).toHaveLength(1);
      const got = out[0]?.class ?? "safe";
      results.push([expected, got]);
      if (got !== expected) wrong.push(`${expected} → ${got}: ${sql} (${out[0]?.reason})`);
    }
    console.log(confusionMatrix(results));
    expect(wrong).toEqual([]);
  });

  it("covers every statement kind a migration may contain", async () => {
    const kinds = new Set<string>();
    for (const [sql] of CORPUS) kinds.add(await kindOf(sql));
    const required = [
      "SelectStmt",
      "InsertStmt",
      "UpdateStmt",
      "DeleteStmt",
      "MergeStmt",
      "CopyStmt",
      "DoStmt",
      "CallStmt",
      "ExecuteStmt",
      "PrepareStmt",
      "ExplainStmt",
      "TruncateStmt",
      "DropStmt",
      "AlterTableStmt",
      "CreateStmt",
      "CreateTableAsStmt",
      "IndexStmt",
      "ViewStmt",
      "RenameStmt",
      "CommentStmt",
      "GrantStmt",
      "GrantRoleStmt",
      "CreatePolicyStmt",
      "AlterPolicyStmt",
      "CreateEnumStmt",
      "AlterEnumStmt",
      "CompositeTypeStmt",
      "CreateDomainStmt",
      "AlterDomainStmt",
      "CreateFunctionStmt",
      "AlterFunctionStmt",
      "CreateTrigStmt",
      "RuleStmt",
      "CreateSeqStmt",
      "AlterSeqStmt",
      "CreateSchemaStmt",
      "CreateExtensionStmt",
      "VariableSetStmt",
      "TransactionStmt",
      "LockStmt",
      "RefreshMatViewStmt",
      "AlterObjectSchemaStmt",
      "AlterOwnerStmt",
      "DropOwnedStmt",
      "DropdbStmt",
      "CreateSubscriptionStmt",
      "AlterSystemStmt",
      "LoadStmt",
    ];
    expect(required.filter((k) => !kinds.has(k))).toEqual([]);
    console.log(`corpus covers ${kinds.size} statement kinds`);
  });

  it("the data-modifying WITH that deleted 1,667 rows ungated is opaque and names what it deletes", async () => {
    const [s] = await classifyScript(
      "WITH gone AS (DELETE FROM orders WHERE status='test' RETURNING id) SELECT count(*) FROM gone;",
      "down.sql",
    );
    expect(s?.class).toBe("opaque");
    expect(s?.reason).toContain("deletes rows where status='test' of public.orders");
    expect(s?.targets).toEqual([
      { schema: "public", table: "orders", where: "status='test'", operation: "delete" },
    ]);
  });

  it("follows SET search_path for the statements after it", async () => {
    const out = await classifyScript(
      'SET search_path TO "$user", app; DROP TABLE users; RESET search_path; DROP TABLE users;',
      "down.sql",
    );
    expect(out.map((s) => s.targets.map((t) => `${t.schema}.${t.table}`))).toEqual([
      [],
      ["app.users"],
      [],
      ["public.users"],
    ]);
  });
});
