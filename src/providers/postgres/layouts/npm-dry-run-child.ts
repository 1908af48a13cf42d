/**
 * The program `node` runs for a node-pg-migrate dry run (npm-dry-run.ts). It is a string so
 * the same text runs from dist/ and under the test runner (which cannot hand node a .ts file).
 *
 * It does what node-pg-migrate's runner does for each file, minus the database: imports the
 * migration files in the tool's order (accumulating their `shorthands`), builds the tool's own
 * `Migration` with `dryRun: true` and calls `apply(direction)`, so the tool itself decides the
 * SQL: an omitted `down` is the up in reverse mode, `down: false` and irreversible operations
 * throw, `pgm.noTransaction()` drops the BEGIN/COMMIT. The builder's step list is recorded
 * (steps stay separate: the tool sends each one as its own query) next to what the dry run
 * printed (`--dry-run --verbose` prints the same text). `pgm.db` queries are refused: SQL that
 * depends on live rows at plan time could not be stored ahead of the rollback.
 *
 * Input on stdin (JSON): { marker, pkg, tsx, files, wanted, options }. Output: one line on
 * stdout, the marker then JSON { results: { [file]: { down, up } } } or { error }; each side is
 * { steps, transaction, printed } or { error }.
 */
export const DRY_RUN_CHILD = String.raw`
import { extname } from "node:path";
import { pathToFileURL } from "node:url";

let text = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) text += chunk;
const input = JSON.parse(text);
const say = (r) => process.stdout.write("\n" + input.marker + JSON.stringify(r) + "\n");
const messageOf = (e) => (e instanceof Error ? e.message : String(e));

try {
  if (input.tsx) await import(input.tsx);
  const tool = await import(input.pkg);
  const { Migration, MigrationBuilder } = tool;
  if (typeof Migration !== "function" || typeof MigrationBuilder?.prototype?.getSqlSteps !== "function") {
    throw new Error("this node-pg-migrate does not export Migration and MigrationBuilder (backout reads versions 7 to 9)");
  }
  let recorded;
  const getSqlSteps = MigrationBuilder.prototype.getSqlSteps;
  MigrationBuilder.prototype.getSqlSteps = function () {
    const steps = getSqlSteps.call(this);
    recorded = { steps: [...steps], transaction: this.isUsingTransaction() };
    return steps;
  };
  const refuse = () =>
    Promise.reject(new Error("the migration queries the database (pgm.db) to build its SQL; its SQL depends on the rows at run time, so it cannot be planned ahead"));
  const db = { query: refuse, select: refuse, column: refuse, createConnection: refuse, connected: () => false, close: async () => undefined };
  const results = {};
  let shorthands = {};
  for (const file of input.files) {
    const wanted = input.wanted.includes(file);
    if (extname(file) === ".sql") continue;
    let actions;
    try {
      actions = await import(pathToFileURL(file).href);
    } catch (e) {
      if (wanted) results[file] = { down: { error: "cannot load it: " + messageOf(e) }, up: { error: "cannot load it: " + messageOf(e) } };
      continue;
    }
    shorthands = { ...shorthands, ...actions.shorthands };
    if (!wanted) continue;
    const one = {};
    for (const direction of ["down", "up"]) {
      const printed = [];
      const warnings = [];
      const logger = {
        debug: (m) => printed.push(String(m)),
        info: () => undefined,
        warn: (m) => warnings.push(String(m)),
        error: (m) => warnings.push(String(m)),
      };
      // A fresh Migration per direction: apply("down") without a down export replaces this.down.
      const m = new Migration(db, file, actions, { ...input.options, dryRun: true, singleTransaction: false }, { ...shorthands }, logger);
      recorded = undefined;
      try {
        await m.apply(direction);
        if (recorded === undefined) throw new Error("node-pg-migrate built no SQL steps");
        one[direction] = { ...recorded, printed: printed.join(""), warnings };
      } catch (e) {
        one[direction] = { error: messageOf(e) };
      }
    }
    results[file] = one;
  }
  say({ results });
} catch (e) {
  say({ error: messageOf(e) });
}
process.exit(0);
`;
