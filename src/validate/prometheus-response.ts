/**
 * The body of GET /api/v1/query, as the Prometheus HTTP API documents it: an envelope
 * {status, data, errorType, error, warnings} and, on success, data {resultType, result}.
 * A check needs ONE number, so every other shape becomes an explanation of what came back
 * and how to change the query. Objects are not strict: newer servers add fields.
 */
import * as z from "zod";

const sample = z.tuple([z.number(), z.string()]);

const envelope = z.object({
  status: z.enum(["success", "error"]),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});

const data = z.discriminatedUnion("resultType", [
  z.object({
    resultType: z.literal("vector"),
    result: z.array(
      z.object({
        metric: z.record(z.string(), z.string()),
        value: sample.optional(),
        // Native histograms come as `histogram` instead of `value`.
        histogram: z.unknown().optional(),
      }),
    ),
  }),
  z.object({ resultType: z.literal("scalar"), result: sample }),
  z.object({ resultType: z.literal("matrix"), result: z.array(z.unknown()) }),
  z.object({ resultType: z.literal("string"), result: z.unknown() }),
]);

export type QueryOutcome = { ok: true; value: number; warnings: string[] } | { ok: false; detail: string };

const SHOWN_SERIES = 3;

/** `json` is the parsed body; `httpStatus` only enriches messages. */
export function readQueryResponse(json: unknown, httpStatus: number): QueryOutcome | undefined {
  const env = envelope.safeParse(json);
  if (!env.success) return undefined;
  if (env.data.status === "error") return { ok: false, detail: apiError(env.data, httpStatus) };
  const parsed = data.safeParse(env.data.data);
  if (!parsed.success) return undefined;
  const warnings = env.data.warnings ?? [];
  const d = parsed.data;
  switch (d.resultType) {
    case "scalar":
      return toNumber(d.result[1], warnings);
    case "vector": {
      if (d.result.length === 0) {
        return {
          ok: false,
          detail:
            "the query returned no data (an empty vector): the metric does not exist yet, its labels do not match, " +
            'or nothing was recorded in the range window; check the names in the Prometheus UI, or append "or vector(0)" if no data means zero',
        };
      }
      if (d.result.length > 1) {
        const shown = d.result.slice(0, SHOWN_SERIES).map((s) => labels(s.metric));
        const more = d.result.length > SHOWN_SERIES ? ", …" : "";
        return {
          ok: false,
          detail: `the query returned ${d.result.length} series (${shown.join(", ")}${more}); aggregate it to one number, e.g. sum(...) or max(...)`,
        };
      }
      const only = d.result[0];
      if (only?.value === undefined) {
        return {
          ok: false,
          detail:
            "the query returned a native histogram, not a number; use histogram_quantile(...) or histogram_count(...)",
        };
      }
      return toNumber(only.value[1], warnings);
    }
    case "matrix":
      return {
        ok: false,
        detail:
          "the query returned a range vector (matrix), not one number; wrap the range in a function, e.g. rate(x[1m]) or avg_over_time(x[5m])",
      };
    case "string":
      return {
        ok: false,
        detail: "the query returned a string, not a number; write a query that yields a number",
      };
  }
}

function apiError(env: z.output<typeof envelope>, httpStatus: number): string {
  const type = env.errorType ?? "unknown";
  const said = env.error ?? "no message";
  switch (type) {
    case "bad_data":
      return `Prometheus rejected the query (bad_data, HTTP ${httpStatus}): ${said}; fix metric.query (try it in the Prometheus UI first)`;
    case "execution":
      return `Prometheus could not execute the query (execution, HTTP ${httpStatus}): ${said}; fix metric.query`;
    case "timeout":
      return `Prometheus gave up evaluating the query (timeout, HTTP ${httpStatus}): ${said}; make the query cheaper or raise the check's timeout`;
    case "canceled":
      return `Prometheus cancelled the query (HTTP ${httpStatus}): ${said}; it may be shutting down or overloaded`;
    case "unavailable":
      return `Prometheus is unavailable (HTTP ${httpStatus}): ${said}; check the Prometheus server`;
    default:
      return `Prometheus answered HTTP ${httpStatus} with an error (${type}): ${said}`;
  }
}

/** Prometheus writes special values as "NaN", "+Inf" and "-Inf". */
function toNumber(text: string, warnings: string[]): QueryOutcome {
  const value = text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : Number(text);
  if (Number.isNaN(value)) {
    return {
      ok: false,
      detail:
        `the query returned ${JSON.stringify(text)}, not a number; NaN usually means 0/0 (no requests in the range window): ` +
        "widen the window or make sure the denominator cannot be zero",
    };
  }
  return { ok: true, value, warnings };
}

function labels(metric: Record<string, string>): string {
  const parts = Object.entries(metric).map(([k, v]) => `${k}="${v}"`);
  return `{${parts.join(", ")}}`;
}
