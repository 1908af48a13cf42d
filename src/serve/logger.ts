/**
 * Structured logs (pino, JSON lines on stdout). Authorization headers are never logged, and
 * every line goes through the environment's redactor (tokens and configured secrets) on its
 * way out, whatever field carried the secret.
 */
import { pino, type Logger } from "pino";
import type { Redactor } from "../config/redactor.js";

export function serveLogger(redactor: Redactor, level = process.env.BACKOUT_LOG_LEVEL ?? "info"): Logger {
  return pino(
    {
      level,
      base: { service: "backout" },
      redact: { paths: ["req.headers.authorization", "headers.authorization"], censor: "[redacted]" },
    },
    { write: (line: string) => process.stdout.write(redactor.redact(line)) },
  );
}
