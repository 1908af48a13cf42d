/**
 * The fields every check form shares (name, timeout, retries, interval), in their own file so
 * integrity-schema.ts can use them without importing schema.ts, which imports it.
 */
import * as z from "zod";
import { duration } from "../config/schema-parts.js";

export const HELP_DURATION = 'a number of seconds or a string like "500ms", "5s"';

/** name, timeout, retries, interval: the same meaning for every form; only the defaults differ. */
export function checkFields(defaultTimeout: string, defaultRetries = 2) {
  return {
    name: z
      .string()
      .min(1)
      .optional()
      .describe("Label in output and reports; defaults to a readable summary of the check."),
    timeout: duration({ allowZero: false })
      .prefault(defaultTimeout)
      .describe(`How long one attempt may take (${HELP_DURATION}). Default ${defaultTimeout}.`),
    // No parse-time default: a monitor check (sampled again every interval anyway) defaults to
    // no retries, a validation or watch check to `defaultRetries`; the runner decides.
    retries: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        `Attempts after the first when the check does not pass; the last attempt counts. Default ${defaultRetries}, and 0 for monitor checks (the next sample is the retry).`,
      ),
    interval: duration({ allowZero: true })
      .prefault("1s")
      .describe(`Pause between attempts (${HELP_DURATION}). Default 1s.`),
  };
}
