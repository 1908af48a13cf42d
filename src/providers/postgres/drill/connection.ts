/**
 * Connections opened outside a provider step: the drill's (the live database, the scratch copy,
 * the maintenance database) and the archive commands'.
 */
import pg from "pg";

/** The same URL pointing at another database of the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export async function connectUrl(url: string, applicationName = "backout drill"): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
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
