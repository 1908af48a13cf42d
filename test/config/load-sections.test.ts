import { describe, expect, it } from "vitest";
import { load, yaml } from "./fixtures.js";

describe("loadEnvironment: validation, monitor, watch and notifications reach the config", () => {
  it("keeps every section the schema parsed, with durations in milliseconds", () => {
    const { config } = load(
      yaml(
        "version: 1",
        "environment: production",
        "validation:",
        "  - http: http://127.0.0.1:8080/health",
        "monitor:",
        "  interval: 300ms",
        "  checks:",
        "    - tcp: 127.0.0.1:5432",
        "watch:",
        "  interval: 2s",
        "  count: 5",
        "  failureLimit: 1",
        "  checks:",
        "    - command: [/bin/true]",
        "notifications:",
        "  - slack: https://hooks.slack.invalid/services/T0/B0/secretpath",
        "components:",
        "  api:",
        "    kind: release",
        "    path: /srv/api",
        "    checks:",
        "      - http: http://127.0.0.1:8080/ready",
      ),
    );
    expect(config.validation).toHaveLength(1);
    expect(config.validation?.[0]).toMatchObject({ http: "http://127.0.0.1:8080/health", expectStatus: 200 });
    expect(config.monitor).toMatchObject({ intervalMs: 300, abortThreshold: 0.5 });
    expect(config.monitor?.checks).toHaveLength(1);
    expect(config.watch).toMatchObject({ intervalMs: 2000, count: 5, failureLimit: 1, inconclusiveLimit: 2 });
    expect(config.notifications).toHaveLength(1);
    expect(config.components[0]?.checks).toHaveLength(1);
  });

  it("leaves monitor and watch out when the file has none", () => {
    const { config } = load(
      yaml("version: 1", "environment: p", "components:", "  api:", "    kind: release", "    path: /a"),
    );
    expect(config.monitor).toBeUndefined();
    expect(config.watch).toBeUndefined();
    expect(config.validation).toEqual([]);
    expect(config.notifications).toEqual([]);
  });
});
