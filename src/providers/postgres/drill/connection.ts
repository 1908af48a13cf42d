/** Connections the drill opens itself: to the live database, the scratch copy and the maintenance database. */
import pg from "pg";

/** The same URL pointing at another database of the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export async function connectUrl(url: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: "backout drill",
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection that drops emits 'error'; the next query reports it instead.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  return client;
}
