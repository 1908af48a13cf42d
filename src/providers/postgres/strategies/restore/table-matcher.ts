/**
 * Matches a table against a list of names, each "table" (any schema) or "schema.table": the
 * history tables whose transactions are migrations, and the tables a replay excludes.
 */
export function tableMatcher(names: string[]): (schema: string, table: string) => boolean {
  const qualified = new Set(names.filter((n) => n.includes(".")));
  const bare = new Set(names.filter((n) => !n.includes(".")));
  return (schema, table) => bare.has(table) || qualified.has(`${schema}.${table}`);
}
