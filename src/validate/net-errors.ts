/**
 * Node's network failures as short phrases ("connection refused"), and whether a failure
 * means "the check could not be judged" (a name that does not resolve is a configuration
 * problem, not proof the service is down).
 */

const PHRASES: Record<string, string> = {
  ECONNREFUSED: "connection refused (nothing listens on that port)",
  ECONNRESET: "connection reset by the server",
  EPIPE: "connection closed by the server",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed (temporary DNS failure)",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_HEADERS_TIMEOUT: "no response headers in time",
};

/** Lookup failures: the check's address is probably wrong, so it cannot judge anything. */
const UNJUDGEABLE = new Set(["ENOTFOUND", "EAI_AGAIN"]);

function codeOf(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const rec = e as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof rec.code === "string") return rec.code;
  // fetch wraps the socket error in `cause`; several addresses give an AggregateError.
  if (rec.cause !== undefined) return codeOf(rec.cause);
  if (Array.isArray(rec.errors)) return codeOf(rec.errors[0]);
  return undefined;
}

export interface NetFailure {
  phrase: string;
  /** True when the failure says nothing about the target's health. */
  unjudgeable: boolean;
}

export function describeNetError(e: unknown): NetFailure {
  const code = codeOf(e);
  const phrase = code ? (PHRASES[code] ?? code) : messageOf(e);
  return { phrase, unjudgeable: code !== undefined && UNJUDGEABLE.has(code) };
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
    return `${e.message}${cause}`;
  }
  return String(e);
}
