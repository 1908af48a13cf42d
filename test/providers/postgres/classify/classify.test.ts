import { describe, expect, it } from "vitest";
import { BackoutError } from "../../../../src/core/errors.js";
import { classifyScript } from "../../../../src/providers/postgres/classify/classify.js";

type Row = [sql: string, cls: "safe" | "destructive" | "opaque", targets: string[]];

// targets as "operation schema.table[.column][ where ...]"
const TABLE: Row[] = [
  ["CREATE TABLE t (id int)", "safe", []],
  ["ALTER TABLE users ADD COLUMN nickname text", "safe", []],
  ["CREATE INDEX i ON users (email)", "safe", []],
  ["ALTER TABLE users ALTER COLUMN age SET DEFAULT 0", "safe", []],
  ["COMMENT ON TABLE users IS 'people'", "safe", []],
  ["GRANT SELECT ON users TO public", "safe", []],
  ["INSERT INTO users (id, email) VALUES (1, 'a@b')", "safe", []],
  ["DROP VIEW v", "safe", []],
  ["DROP MATERIALIZED VIEW mv", "safe", []],
  ["DROP INDEX i", "safe", []],
  ["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "safe", []],
  ["ALTER TABLE users ALTER COLUMN bio TYPE text", "safe", []],
  ["DROP TABLE users, app.orders", "destructive", ["drop-table public.users", "drop-table app.orders"]],
  ["DROP TABLE users CASCADE", "destructive", ["drop-table public.users"]],
  ["DROP SCHEMA app CASCADE", "destructive", ["drop-schema app.*"]],
  ["ALTER TABLE users DROP COLUMN nickname", "destructive", ["drop-column public.users.nickname"]],
  ["TRUNCATE users", "destructive", ["truncate public.users"]],
  [
    "DELETE FROM users WHERE id > 10 AND email LIKE '%where%'",
    "destructive",
    ["delete public.users where id > 10 AND email LIKE '%where%'"],
  ],
  [
    "UPDATE users SET age = 0, bio = NULL WHERE age IS NULL RETURNING id",
    "destructive",
    ["update public.users.age where age IS NULL", "update public.users.bio where age IS NULL"],
  ],
  ["DELETE FROM users", "destructive", ["delete public.users"]],
  ["ALTER TABLE users ALTER COLUMN age TYPE smallint", "destructive", ["alter-type public.users.age"]],
  [
    "ALTER TABLE users ALTER COLUMN age TYPE bigint USING age * 2",
    "destructive",
    ["alter-type public.users.age"],
  ],
  ["DO $$ BEGIN DELETE FROM users; END $$", "opaque", []],
  ["CALL cleanup()", "opaque", []],
  ["SELECT purge_old_rows(30)", "opaque", []],
  ["EXECUTE stmt(1)", "opaque", []],
  ["TRUNCATE users CASCADE", "opaque", ["truncate public.users"]],
  ["DROP TYPE mood CASCADE", "opaque", []],
  ["SELECT count(*) FROM users", "safe", []],
];

function describeTarget(t: {
  operation: string;
  schema: string;
  table: string;
  column?: string;
  where?: string;
}): string {
  return `${t.operation} ${t.schema}.${t.table}${t.column ? `.${t.column}` : ""}${t.where ? ` where ${t.where}` : ""}`;
}

describe("classifyScript", () => {
  it.each(TABLE)("%s → %s", async (sql, cls, targets) => {
    const [s, ...rest] = await classifyScript(sql, "down.sql");
    expect(rest).toEqual([]);
    expect(s?.class).toBe(cls);
    expect(s?.targets.map(describeTarget)).toEqual(targets);
    expect(s?.reason).toBeTruthy();
  });

  it("says what CASCADE hides", async () => {
    const [s] = await classifyScript("DROP TABLE users CASCADE", "down.sql");
    expect(s?.reason).toMatch(/CASCADE.*cannot list/);
  });

  it("rewrites a WHERE that names the table by an alias into a self-contained condition", async () => {
    const [s] = await classifyScript("DELETE FROM users AS u WHERE u.id < 5", "down.sql");
    expect(s?.targets[0]?.where).toBe(
      'ctid IN (SELECT "u".ctid FROM "public"."users" AS "u" WHERE u.id < 5)',
    );
  });

  it("uses the given default schema for unqualified names", async () => {
    const [s] = await classifyScript("DROP TABLE users", "down.sql", "tenant_1");
    expect(s?.targets[0]?.schema).toBe("tenant_1");
  });

  it("splits a multi-statement script with correct lines and texts", async () => {
    const script = [
      "-- migrate:down",
      "ALTER TABLE users DROP COLUMN nickname;",
      "",
      "/* a comment",
      "   over lines */",
      "DELETE FROM users",
      "  WHERE email = 'é;x';",
      "CREATE INDEX i ON users (email); DROP TABLE legacy;",
    ].join("\n");
    const out = await classifyScript(script, "down.sql");
    expect(out.map((s) => [s.line, s.class, s.sql])).toEqual([
      [2, "destructive", "ALTER TABLE users DROP COLUMN nickname"],
      [6, "destructive", "DELETE FROM users\n  WHERE email = 'é;x'"],
      [8, "safe", "CREATE INDEX i ON users (email)"],
      [8, "destructive", "DROP TABLE legacy"],
    ]);
    expect(out[1]?.targets[0]?.where).toBe("email = 'é;x'");
  });

  it("rejects a syntax error as PLAN_INVALID naming file:line and the parser's message", async () => {
    const script = "DROP TABLE a;\n\nALTER TABLE users DROPP COLUMN x;\n";
    const e = await classifyScript(script, "db/migrations/20240101_x.sql").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackoutError);
    const err = e as BackoutError;
    expect(err.code).toBe("PLAN_INVALID");
    expect(err.message).toContain("db/migrations/20240101_x.sql:3");
    expect(err.message).toContain('syntax error at or near "DROPP"');
    expect(err.hint).toMatch(/fix the down script/);
    expect(err.where).toEqual({ file: "db/migrations/20240101_x.sql", line: 3 });
  });
});
