/** Which re-sent alert occurrences are decided again (pure; the real-process cases are in alerts-once.test.ts). */
import { describe, expect, it } from "vitest";
import { retakeReason } from "../../src/serve/alerts/decide.js";
import type { AlertDecision } from "../../src/store/alert-decisions.js";

const earlier = (o: Partial<AlertDecision>): AlertDecision => ({
  environment: "e",
  dedupeKey: "k",
  at: 0,
  trigger: "t",
  action: "rollback",
  outcome: "triggered",
  reason: "alert matched trigger t",
  labels: {},
  rollbackId: "r-1",
  ...o,
});
const none = { rollbackExists: false, watchingHere: false };

describe("retakeReason", () => {
  it("a duplicate once its rollback exists, while its watch runs here, or when it did not act", () => {
    expect(retakeReason(earlier({}), { ...none, rollbackExists: true })).toBeUndefined();
    expect(retakeReason(earlier({ action: "watch" }), { ...none, watchingHere: true })).toBeUndefined();
    expect(retakeReason(earlier({ outcome: "suppressed" }), none)).toBeUndefined();
    expect(retakeReason(earlier({ outcome: "watched" }), none)).toBeUndefined();
    // Recorded before ids were reserved: whether it started cannot be told, so never twice.
    expect(retakeReason(earlier({ rollbackId: undefined }), none)).toBeUndefined();
  });

  it("decided again when its rollback was never created, its watch was cut short, or its start failed", () => {
    expect(retakeReason(earlier({}), none)).toMatch(/rollback r-1 was never created/);
    expect(retakeReason(earlier({ action: "watch" }), none)).toMatch(/watch analysis was cut short/);
    const failed = earlier({ outcome: "failed", reason: "LOCK_BUSY: busy" });
    expect(retakeReason(failed, { ...none, rollbackExists: true })).toMatch(/start failed \(LOCK_BUSY/);
  });
});
