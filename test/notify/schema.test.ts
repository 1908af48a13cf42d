import { describe, expect, it } from "vitest";
import { NOTIFICATION_EVENTS, notificationsSchema } from "../../src/notify/schema.js";
import { webhookPayload } from "../../src/notify/message.js";

const SECRET = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;

describe("notificationsSchema", () => {
  it("accepts Slack and signed webhook channels, with or without names and events", () => {
    const parsed = notificationsSchema.parse([
      { slack: "https://hooks.slack.com/services/T000/B000/XXXX" },
      { name: "pager", webhook: "https://hooks.example.com/backout", secret: SECRET, on: ["escalated"] },
    ]);
    expect(parsed).toHaveLength(2);
    expect(parsed[1]).toMatchObject({ name: "pager", on: ["escalated"] });
  });

  it("one spelling: `on:` values are the payload types without `rollback.`; the old underscore forms map to it", () => {
    for (const about of NOTIFICATION_EVENTS) {
      const payload = webhookPayload({
        about,
        rollbackId: "r1",
        environment: "e",
        state: "running",
        summary: "",
        planHash: "h",
        at: 0,
      });
      expect(payload.type).toBe(`rollback.${about}`);
      expect((payload.data as { about: string }).about).toBe(about);
    }
    // Files written for the payload's earlier spelling keep working, mapped to the one spelling.
    const parsed = notificationsSchema.parse([
      {
        slack: "https://hooks.slack.com/services/T000/B000/XXXX",
        on: ["awaiting_confirmation", "timed_out", "rollback.timed-out", "rollback.monitor_blind", "failed"],
      },
    ]);
    expect(parsed[0]?.on).toEqual([
      "awaiting-confirmation",
      "timed-out",
      "timed-out",
      "monitor-blind",
      "failed",
    ]);
    expect(
      notificationsSchema.safeParse([{ slack: "https://h.example.com/x", on: ["timed out"] }]).success,
    ).toBe(false);
  });

  it("rejects unknown keys, bad secrets, bad URLs, unknown events and duplicate names", () => {
    const bad: unknown[] = [
      [{ slack: "https://hooks.slack.com/services/x", channel: "#ops" }],
      [{ webhook: "https://h.example.com/x", secret: "plain-text-secret" }],
      [{ webhook: "https://h.example.com/x" }],
      [{ slack: "ftp://hooks.slack.com/x" }],
      [{ slack: "https://hooks.slack.com/x", on: ["finished"] }],
      [
        { name: "a", slack: "https://hooks.slack.com/x" },
        { name: "a", slack: "https://hooks.slack.com/y" },
      ],
    ];
    for (const value of bad)
      expect(notificationsSchema.safeParse(value).success, JSON.stringify(value)).toBe(false);
  });

  it("says how to make a valid secret", () => {
    const r = notificationsSchema.safeParse([{ webhook: "https://h.example.com/x", secret: "whsec_short" }]);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("openssl rand -base64 32");
  });

  it("describes its fields (for the JSON schema and the docs)", () => {
    expect(notificationsSchema.description).toMatch(/Slack/);
  });
});
