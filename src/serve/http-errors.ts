/**
 * Errors over HTTP keep the CLI's shape: `{ error: { code, message, where, hint, retryable } }`,
 * with a status that says whose fault it is. Nothing else (no stack, no fastify internals) is sent.
 */
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import type { FastifyError } from "fastify";
import {
  BackoutError,
  ERROR_EXIT,
  toBackoutError,
  type ErrorCode,
  type ErrorExit,
  type SerializedError,
} from "../core/errors.js";

const STATUS: Partial<Record<ErrorCode, number>> = {
  AUTH_FAILED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  ROLLBACK_NOT_FOUND: 404,
  CHECKPOINT_NOT_FOUND: 404,
  LOCK_BUSY: 409,
  LOCK_LOST: 409,
  ROLLBACK_INTERRUPTED: 409,
  ROLLBACK_NOT_RESUMABLE: 409,
  CONFIRMATION_MISMATCH: 409,
  NO_GOOD_CHECKPOINT: 409,
  NESTED_ROLLBACK: 409,
  PLAN_STALE: 409,
  PLAN_DRIFTED: 409,
  STORE_FAILED: 503,
  STORE_DAMAGED: 503,
  INTERNAL: 500,
};

/**
 * The rest follow the code's exit code (ERROR_EXIT), so a new code gets a status by
 * construction: usage and configuration are the caller's (400), a busy environment is a conflict
 * (409), a runtime failure is a failure of what backout drives (502).
 */
const BY_EXIT: Record<ErrorExit, number> = { usage: 400, lockBusy: 409, failed: 502 };

export function httpStatus(code: ErrorCode): number {
  return STATUS[code] ?? BY_EXIT[ERROR_EXIT[code]];
}

/** The router's refusals, said without echoing the path (it may be long, or carry a secret). */
const ROUTER_ERRORS: Record<string, { status: number; message: string; hint: string }> = {
  FST_ERR_BAD_URL: {
    status: 400,
    message: "bad request: the path is not valid percent-encoded UTF-8",
    hint: "Percent-encode ids in the path (encodeURIComponent).",
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    message: "bad request: an id in the path is too long",
    hint: "Ids and names are at most 200 characters.",
  },
};

/** What fastify itself refuses (bad JSON, a body too large, a bad content type) in our shape. */
export function toHttpError(e: unknown): { status: number; error: BackoutError } {
  if (e instanceof BackoutError) return { status: httpStatus(e.code), error: e };
  if (hasZodFastifySchemaValidationErrors(e)) {
    const issues = e.validation.map((v) => ({
      field: [e.validationContext, ...v.instancePath.split("/").filter(Boolean)].join("."),
      message: v.message ?? "invalid",
    }));
    const first = issues[0];
    return {
      status: 400,
      error: new BackoutError(
        "USAGE",
        `invalid request: ${first ? `${first.field}: ${first.message}` : "schema"}`,
        {
          ...(first ? { where: { field: first.field } } : {}),
          hint: "See /api/v1/openapi.json for what this endpoint takes.",
          details: { issues },
        },
      ),
    };
  }
  const fe = e as Partial<FastifyError>;
  const router = fe.code ? ROUTER_ERRORS[fe.code] : undefined;
  if (router)
    return { status: router.status, error: new BackoutError("USAGE", router.message, { hint: router.hint }) };
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    const hint =
      fe.statusCode === 413
        ? "Send a smaller body (serve.bodyLimit)."
        : fe.statusCode === 415
          ? "Send Content-Type: application/json."
          : "Send a JSON object as the body.";
    return {
      status: fe.statusCode,
      error: new BackoutError("USAGE", `bad request: ${fe.message ?? "refused"}`, { hint }),
    };
  }
  return { status: 500, error: toBackoutError(e) };
}

export function errorBody(
  error: BackoutError,
  redact: (v: SerializedError) => SerializedError,
): { error: SerializedError } {
  return { error: redact(error.toJSON()) };
}
