export { openSqliteStore, type OpenSqliteOptions } from "./open.js";
export { SqliteStore, type SqlitePragmas } from "./sqlite-store.js";
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from "./migrations.js";
