/**
 * The checks backout runs after a rollback and samples while watching one, as written in
 * backout.yaml. A check is one of five forms, told apart by its key: `http`, `tcp`,
 * `command`, `metric` or `integrity` (integrity-schema.ts). Durations are numbers of seconds
 * or strings like "500ms"; after parsing they are milliseconds.
 */
import * as z from "zod";
import { duration, httpStatus } from "../config/schema-parts.js";
import { checkFields, HELP_DURATION } from "./check-fields.js";
import { integrityCheckSchema } from "./integrity-schema.js";
import { parseHostPort } from "./host-port.js";
import { unionMessage } from "./schema-errors.js";

const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" });

function isRegex(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

export const httpCheckSchema = z
  .strictObject({
    http: httpUrl.describe(
      "URL to GET; passes when the answer meets expectStatus, bodyMatch and maxLatency.",
    ),
    expectStatus: httpStatus(200).describe("HTTP status that counts as healthy. Default 200."),
    bodyMatch: z
      .string()
      .min(1)
      .refine(isRegex, { error: "bodyMatch must be a valid regular expression" })
      .optional()
      .describe('Regular expression the response body must match, e.g. "\\"status\\":\\s*\\"ok\\"".'),
    maxLatency: duration({ allowZero: false })
      .optional()
      .describe(`Slowest acceptable complete answer (${HELP_DURATION}); slower is a failure.`),
    ...checkFields("5s"),
  })
  .describe("GET a URL and judge status, body and latency.");

export const tcpCheckSchema = z
  .strictObject({
    tcp: z
      .string()
      .refine((s) => parseHostPort(s) !== undefined, {
        error: 'expected "host:port" with a port from 1 to 65535, e.g. "db.internal:5432" or "[::1]:6379"',
      })
      .describe('Address to connect to, "host:port"; passes when a TCP connection opens.'),
    ...checkFields("5s"),
  })
  .describe("Open a TCP connection.");

export const commandCheckSchema = z
  .strictObject({
    command: z
      .array(z.string())
      .min(1, { error: "the command needs at least the program to run" })
      .describe("Argument array, program first, run without a shell; exit 0 passes."),
    env: z.record(z.string(), z.string()).optional().describe("Extra environment variables for the command."),
    // Commands are often smoke tests that take longer than a probe.
    ...checkFields("30s"),
  })
  .describe("Run a program; exit status 0 passes.");

export const COMPARATORS = [">", ">=", "<", "<=", "==", "!="] as const;
export type Comparator = (typeof COMPARATORS)[number];

export const metricCheckSchema = z
  .strictObject({
    metric: z
      .strictObject({
        prometheus: httpUrl.describe(
          "Base URL of the Prometheus server, e.g. http://prometheus:9090 (no /api/v1).",
        ),
        query: z
          .string()
          .min(1)
          .describe(
            "PromQL instant query that yields ONE number, e.g. sum(rate(errors_total[1m])) / sum(rate(requests_total[1m])).",
          ),
        compare: z
          .enum(COMPARATORS)
          .describe(
            "How the value is compared with threshold: the check passes when `value <compare> threshold` holds.",
          ),
        threshold: z.number().finite().describe("The number the query's value is compared with."),
      })
      .describe("A Prometheus query and the condition its value must meet."),
    ...checkFields("5s"),
  })
  .describe("Query Prometheus and compare the value with a threshold.");

const FORMS = [
  httpCheckSchema,
  tcpCheckSchema,
  commandCheckSchema,
  metricCheckSchema,
  integrityCheckSchema,
] as const;

export const checkSchema = z
  .union(FORMS, { error: unionMessage })
  .describe(
    "A check: one of { http: URL }, { tcp: host:port }, { command: [...] }, { metric: {...} } or { integrity: { postgres: URL } }.",
  );

export type HttpCheckSpec = z.output<typeof httpCheckSchema>;
export type TcpCheckSpec = z.output<typeof tcpCheckSchema>;
export type CommandCheckSpec = z.output<typeof commandCheckSchema>;
export type MetricCheckSpec = z.output<typeof metricCheckSchema>;
/** A parsed check: durations in milliseconds, defaults applied. */
export type CheckSpec = z.output<typeof checkSchema>;
/** What may be written in the file (before defaults and duration parsing). */
export type CheckInput = z.input<typeof checkSchema>;
