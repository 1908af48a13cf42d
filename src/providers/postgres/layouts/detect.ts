import { BackoutError } from "../../../core/errors.js";
import { dbmateLayout } from "./dbmate.js";
import { createFlywayLayout } from "./flyway.js";
import { golangMigrateLayout } from "./golang-migrate.js";
import type { MigrationFormat, MigrationLayout } from "./layout.js";
import { createNodePgMigrateLayout } from "./node-pg-migrate.js";
import type { LayoutOptions } from "./options.js";
import { createSqitchLayout } from "./sqitch.js";

/**
 * Options handed to every layout factory. Each tool names its history-table options its own way,
 * so the override is offered in every spelling: historyTable ("schema.table"), table + schema.
 */
interface FactoryOptions extends LayoutOptions {
  table?: string;
  schema?: string;
}

type Factory = (options: FactoryOptions) => MigrationLayout;

const FACTORIES: Record<MigrationFormat, Factory> = {
  dbmate: dbmateLayout,
  "golang-migrate": golangMigrateLayout,
  "node-pg-migrate": createNodePgMigrateLayout,
  // The registry schema is Sqitch's own setting (engine.pg.registry), not a history table.
  sqitch: (o) =>
    createSqitchLayout({
      ...(o.committer?.name === undefined ? {} : { committerName: o.committer.name }),
      ...(o.committer?.email === undefined ? {} : { committerEmail: o.committer.email }),
      ...(o.migrationsDir === undefined ? {} : { projectDir: o.migrationsDir }),
      ...(o.env === undefined ? {} : { env: o.env }),
    }),
  flyway: createFlywayLayout,
};

/** The layout of one tool, with the history-table override and migrations directory applied. */
export function layoutFor(format: MigrationFormat, options: LayoutOptions = {}): MigrationLayout {
  const full: FactoryOptions = { ...options };
  if (options.historyTable !== undefined) {
    const dot = options.historyTable.indexOf(".");
    full.table = dot < 0 ? options.historyTable : options.historyTable.slice(dot + 1);
    if (dot >= 0) full.schema = options.historyTable.slice(0, dot);
  }
  return FACTORIES[format](full);
}

// Most specific first: golang-migrate's `.up.sql`, Flyway's `V1__`, Sqitch's plan file, then the
// two single-file formats told apart by their section markers.
const DETECT_ORDER: readonly MigrationFormat[] = [
  "golang-migrate",
  "flyway",
  "sqitch",
  "node-pg-migrate",
  "dbmate",
];

/** The format of `dir`, as set, or detected from the files when `auto`. */
export async function resolveFormat(
  format: MigrationFormat | "auto",
  dir: string,
  component?: string,
): Promise<MigrationFormat> {
  if (format !== "auto") return format;
  for (const f of DETECT_ORDER) {
    if (await layoutFor(f, {}).detect(dir)) return f;
  }
  throw new BackoutError("CONFIG_INVALID", `cannot tell which migration tool the files in ${dir} belong to`, {
    where: { component, field: "format" },
    hint: "Set format: dbmate | golang-migrate | node-pg-migrate | sqitch | flyway on the component, and check that migrations: points at the migration files.",
  });
}
