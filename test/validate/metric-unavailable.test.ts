import { afterAll, describe, expect, it } from "vitest";
import { runCheck } from "../../src/validate/run-check.js";
import { startMonitoredFlakyService } from "../support/prometheus.js";
import { plain, spec } from "./servers.js";

describe("metric check when Prometheus is gone", () => {
  let stopAll: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await stopAll?.();
  });

  it("reports a stopped Prometheus as an error (unavailable), never as a pass or fail", async () => {
    const { prometheus, stop } = await startMonitoredFlakyService();
    stopAll = stop;
    const check = spec({
      metric: { prometheus: prometheus.url, query: "sum(up)", compare: "==", threshold: 1 },
      retries: 1,
      interval: "100ms",
    });
    expect((await runCheck(check, plain)).status).toBe("pass");
    await prometheus.stop();
    const r = await runCheck(check, plain);
    expect(r.status).toBe("error");
    expect(r.detail).toBe(
      `cannot reach Prometheus at ${prometheus.url}/: connection refused (nothing listens on that port); ` +
        "check metric.prometheus and that Prometheus is running (attempt 2 of 2)",
    );
  });
});
