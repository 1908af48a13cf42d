/**
 * The SQL of node-pg-migrate JavaScript/TypeScript migrations, from the tool's own dry run
 * (npm-dry-run-child.ts), in a child `node`: the user's migration code never runs inside
 * backout, and a migration that hangs is ended by the timeout.
 *
 * The tool is the project's own node-pg-migrate (resolved from the migrations directory
 * upward, as `npx node-pg-migrate` would find it), else the one installed next to backout.
 * TypeScript files load through the project's `tsx`, as `node-pg-migrate --tsx` does.
 *
 * What the dry run printed is checked against the steps it recorded: [BEGIN;] steps, the
 * tool's own history statement on the same table backout updates, [COMMIT;]. The SQL kept is
 * the steps alone (backout runs its own history update in the same transaction), each step
 * ended by `;` so the text parses as one script.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runCommand } from "../../../process/run-command.js";
import { DRY_RUN_CHILD } from "./npm-dry-run-child.js";

/** One direction of one migration as the tool would run it. */
export interface ToolSql {
  /** The statements, one step per line group, each ending in `;`. */
  sql: string;
  /** False when the migration calls pgm.noTransaction(). */
  transaction: boolean;
}

export interface DryRunOutcome {
  down: ToolSql | { problem: string };
  up: ToolSql | { problem: string };
}

export interface DryRunInput {
  /** The migrations directory (where the tool is looked for). */
  dir: string;
  /** Every migration file, oldest first (the tool loads them all, for shorthands). */
  files: string[];
  /** The files whose SQL is wanted. */
  wanted: string[];
  /** --migrations-table and --migrations-schema. */
  table: string;
  schema: string;
  /** --schema (the tool's search_path) and --decamelize: they change the SQL the tool builds. */
  schemas: string[];
  decamelize: boolean;
  env: Record<string, string | undefined>;
  timeoutMs?: number;
}

const TS_FILE = /\.[cm]?ts$/;

function resolveFrom(dir: string, spec: string): string | undefined {
  try {
    return createRequire(join(dir, "noop.js")).resolve(spec);
  } catch {
    return undefined;
  }
}

/** The project's package first, then backout's own. */
function findPackage(dir: string, spec: string): string | undefined {
  return resolveFrom(dir, spec) ?? resolveFrom(import.meta.dirname, spec);
}

type ChildSide = { steps: string[]; transaction: boolean; printed: string } | { error: string };
type ChildOutput = { results?: Record<string, { down: ChildSide; up: ChildSide }>; error?: string };

/** The statement node-pg-migrate's Migration._getMarkAsRun writes for this direction. */
function historyStatement(direction: "down" | "up", schema: string, table: string, name: string): string {
  return direction === "down"
    ? `DELETE FROM "${schema}"."${table}" WHERE name='${name}';`
    : `INSERT INTO "${schema}"."${table}" (name, run_on) VALUES ('${name}', NOW());`;
}

function asScript(steps: string[]): string {
  return steps.map((s) => (/;\s*$/.test(s) ? s : `${s}\n;`)).join("\n");
}

function sideOf(
  side: ChildSide | undefined,
  direction: "down" | "up",
  file: string,
  input: DryRunInput,
): ToolSql | { problem: string } {
  if (side === undefined) return { problem: "node-pg-migrate's dry run did not reach it" };
  if ("error" in side) return { problem: side.error };
  const name = file.replace(/^.*\//, "").replace(/\.[^.]*$/, "");
  const history = historyStatement(direction, input.schema, input.table, name);
  const expected = [
    ...(side.transaction ? ["BEGIN;"] : []),
    ...side.steps,
    history,
    ...(side.transaction ? ["COMMIT;"] : []),
  ].join("\n");
  if (side.printed.trimEnd() !== expected) {
    return {
      problem: `node-pg-migrate's dry run printed SQL backout does not recognise (expected its ${direction} to end with ${history}); check that the component's historyTable is node-pg-migrate's migrations table`,
    };
  }
  return { sql: asScript(side.steps), transaction: side.transaction };
}

/** Runs the dry run; a failure to run at all is one problem for every wanted file. */
export async function nodePgMigrateDryRun(input: DryRunInput): Promise<Map<string, DryRunOutcome>> {
  const out = new Map<string, DryRunOutcome>();
  const fail = (problem: string): Map<string, DryRunOutcome> => {
    for (const f of input.wanted) out.set(f, { down: { problem }, up: { problem } });
    return out;
  };
  if (input.wanted.length === 0) return out;
  const pkg = findPackage(input.dir, "node-pg-migrate");
  if (pkg === undefined)
    return fail(
      `node-pg-migrate is not installed where ${input.dir} can import it (npm install node-pg-migrate)`,
    );
  const needsTs = input.files.some((f) => TS_FILE.test(f));
  const tsx = needsTs ? findPackage(input.dir, "tsx/esm") : undefined;
  if (needsTs && tsx === undefined)
    return fail(
      "TypeScript migrations need the tsx package, as node-pg-migrate --tsx does (npm install tsx)",
    );
  const marker = `@@backout-dry-run-${randomBytes(8).toString("hex")}@@`;
  const request = {
    marker,
    pkg: pathToFileURL(pkg).href,
    tsx: tsx === undefined ? null : pathToFileURL(tsx).href,
    files: input.files,
    wanted: input.wanted,
    options: {
      migrationsTable: input.table,
      migrationsSchema: input.schema,
      schema: input.schemas,
      decamelize: input.decamelize,
    },
  };
  let stdout: string;
  let stderr: string;
  try {
    const run = await runCommand({
      argv: [process.execPath, "--input-type=module", "-e", DRY_RUN_CHILD],
      cwd: input.dir,
      env: input.env,
      input: JSON.stringify(request),
      timeoutMs: input.timeoutMs ?? 60_000,
    });
    ({ stdout, stderr } = run);
  } catch (e) {
    return fail(`node-pg-migrate's dry run did not finish: ${e instanceof Error ? e.message : String(e)}`);
  }
  const line = stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith(marker));
  if (line === undefined)
    return fail(`node-pg-migrate's dry run ended without an answer: ${stderr.trim().slice(-500)}`);
  const parsed = JSON.parse(line.slice(marker.length)) as ChildOutput;
  if (parsed.error !== undefined) return fail(parsed.error);
  for (const file of input.wanted) {
    const r = parsed.results?.[file];
    out.set(file, {
      down: sideOf(r?.down, "down", file, input),
      up: sideOf(r?.up, "up", file, input),
    });
  }
  return out;
}
