/**
 * Attacks on secrecy through the real server process: a token with a `"` and a `\` (the JSON
 * escapes of which hid it from the redactor) sent back in an error, and the logs at debug level
 * never holding a token (raw or escaped) nor an Authorization header.
 */
import { describe, expect, it } from "vitest";
import { startServer, TOKENS, writeServedEnvironment } from "./server-process.js";

const ODD = 'carl"s\\token-0123456789abcdef';

describe("attack: secrets through the API and the logs", () => {
  it("a token with a quote and a backslash is hidden in errors and logs; no Authorization header is logged", async () => {
    const d = await writeServedEnvironment("serve-attack-secrets", { web: {} });
    const s = await startServer(d, { T_BOTH: ODD, BACKOUT_LOG_LEVEL: "debug" });
    try {
      const answers = [
        await s.call("GET", `/api/v1/plan?to=${encodeURIComponent(ODD)}`, { token: ODD }),
        await s.call("POST", "/api/v1/rollbacks", { token: ODD, body: { to: ODD } }),
        await s.call("GET", `/api/v1/rollbacks/${encodeURIComponent(ODD)}`, { token: ODD }),
        await s.call("GET", `/api/v1/whoami`, { token: ODD }),
        await s.call("GET", `/api/v1/status`, { token: `${ODD}x` }),
      ];
      expect(answers[0]?.status, answers[0]?.text).toBe(404);
      expect(answers[3]?.status, answers[3]?.text).toBe(200);
      for (const a of answers) {
        expect(a.text).not.toContain("token-0123456789abcdef");
      }
      s.proc.kill("SIGTERM");
      await s.proc;
      const logs = s.logs();
      expect(logs).toContain("incoming request");
      for (const t of [ODD, ...Object.values(TOKENS)]) {
        expect(logs).not.toContain(t.slice(5));
        expect(logs).not.toContain(JSON.stringify(t).slice(6, -1));
      }
      expect(logs.toLowerCase()).not.toContain("bearer");
      expect(logs.toLowerCase()).not.toContain("authorization");
    } finally {
      s.proc.kill("SIGKILL");
    }
  }, 120_000);
});
