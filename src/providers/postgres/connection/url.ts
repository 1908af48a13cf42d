import { hidePassword, safeDecode } from "../../url-password.js";

/** What may be shown of a PostgreSQL URL, and a redactor that knows its password. */
export interface PgTarget {
  /** The URL with the password replaced by ***: safe for messages, journals and plans. */
  safeUrl: string;
  /** "host:port", for "cannot reach …" messages. */
  hostPort: string;
  database: string;
  /** Removes the password (raw and percent-encoded) from any text. */
  scrub: (text: string) => string;
}

export function pgTarget(url: string): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Nothing parseable: show nothing of it rather than risk printing a password.
    return {
      safeUrl: "postgres://***",
      hostPort: "?",
      database: "?",
      scrub: (t) => t.split(url).join("***"),
    };
  }
  const scrub = hidePassword(u);
  return {
    safeUrl: u.toString(),
    hostPort: `${u.hostname === "" ? "localhost" : u.hostname}:${u.port === "" ? "5432" : u.port}`,
    database: safeDecode(u.pathname.replace(/^\//, "")),
    scrub,
  };
}
