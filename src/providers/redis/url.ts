import { hidePassword } from "../url-password.js";

/** What may be shown of a Redis URL, and a redactor that knows its password. */
export interface RedisTarget {
  /** The URL with the password replaced by ***: safe for messages, journals and plans. */
  safeUrl: string;
  /** "host:port", for "cannot reach …" messages. */
  hostPort: string;
  db: number;
  /** Removes the password (raw and percent-encoded) from any text. */
  scrub: (text: string) => string;
}

export function redisTarget(url: string): RedisTarget {
  const u = new URL(url);
  const scrub = hidePassword(u);
  const port = u.port === "" ? "6379" : u.port;
  const dbText = u.pathname.replace(/^\//, "");
  const db = dbText === "" ? 0 : Number.parseInt(dbText, 10);
  return {
    safeUrl: u.toString(),
    hostPort: `${u.hostname}:${port}`,
    db: Number.isFinite(db) ? db : 0,
    scrub,
  };
}
