import { describe, expect, it } from "vitest";
import { ERROR_CODES, ERROR_EXIT } from "../../src/core/errors.js";
import { httpStatus } from "../../src/serve/http-errors.js";

describe("HTTP status of every error code", () => {
  it("agrees with the code's exit code: usage 4xx, busy 409, runtime 5xx (429 for the rate limit)", () => {
    for (const code of ERROR_CODES) {
      const status = httpStatus(code);
      const exit = ERROR_EXIT[code];
      if (exit === "usage") expect([400, 401, 403, 404, 409], code).toContain(status);
      else if (exit === "lockBusy") expect(status, code).toBe(409);
      else if (code === "RATE_LIMITED") expect(status).toBe(429);
      else expect(status, code).toBeGreaterThanOrEqual(500);
    }
  });

  it("a refused git push is a failure downstream (502), not the caller's mistake (it was 400)", () => {
    expect(httpStatus("GIT_PUSH_REFUSED")).toBe(502);
  });
});
