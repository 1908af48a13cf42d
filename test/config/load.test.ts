import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../../src/config/load.js";
import { Redactor } from "../../src/config/redactor.js";
import { BackoutError } from "../../src/core/errors.js";
import { load, testRegistry, writeConfig, yaml } from "./fixtures.js";

const TWO_COMPONENTS = yaml(
  "version: 1",
  "environment: production",
  "components:",
  "  api:",
  "    kind: release",
  "    path: /srv/api",
  "    dependsOn: [db]",
  "  db:",
  "    kind: command",
  "    layer: database",
  "    apply: [migrate, down]",
);

describe("loadEnvironment: a valid file", () => {
  it("loads two components with every default applied", () => {
    const { file, config } = load(TWO_COMPONENTS);
    expect(config.file).toBe(file);
    expect(config.baseDir).toBe(dirname(file));
    expect(config.environment).toBe("production");
    expect(config.store).toEqual({ kind: "sqlite", path: join(dirname(file), ".backout") });
    expect(config.policies).toEqual({
      concurrency: 4,
      retry: { maxAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 30_000 },
      timeLimitMs: 15 * 60_000,
      dataLoss: "confirm",
      lock: { leaseMs: 15_000, waitTimeoutMs: 3_600_000 },
      escalation: undefined,
      emergency: [],
      notifications: { concurrency: 4, flushMs: 10_000, giveUpAfterMs: 24 * 3_600_000 },
    });
    expect(config.components).toEqual([
      {
        name: "api",
        kind: "release",
        layer: "app",
        dependsOn: ["db"],
        compatibility: [],
        dataLoss: undefined,
        checks: [],
        settings: { path: "/srv/api" },
      },
      {
        name: "db",
        kind: "command",
        layer: "database",
        dependsOn: [],
        compatibility: [],
        dataLoss: undefined,
        checks: [],
        settings: { apply: ["migrate", "down"] },
      },
    ]);
  });

  it("converts durations, command specs and the store path", () => {
    const { file, config } = load(
      yaml(
        "version: 1",
        "environment: staging",
        "store: { path: state/backout }",
        "policies:",
        "  concurrency: 8",
        "  retry: { maxAttempts: 5, initialInterval: 500ms, maximumInterval: 1m }",
        "  timeLimit: 1h30m",
        "  dataLoss: archive",
        "  lock: { lease: 30, waitTimeout: 0s }",
        "  escalation: [/usr/local/bin/page-oncall, --severity, high]",
        "  emergency:",
        "    - command: [maintenance, on]",
        "      timeout: 2m",
        "      env: { REASON: rollback }",
        "    - name: notify",
        "      command: [./notify.sh]",
        "components:",
        "  api:",
        "    kind: release",
        "    path: /srv/api",
        "    dataLoss: refuse",
        "    compatibility:",
        "      - when: <2.0.0",
        "        requires: { api: '>=1' }",
      ),
    );
    expect(config.store.path).toBe(join(dirname(file), "state/backout"));
    const p = config.policies;
    expect(p.concurrency).toBe(8);
    expect(p.retry).toEqual({
      maxAttempts: 5,
      initialIntervalMs: 500,
      backoffCoefficient: 2,
      maximumIntervalMs: 60_000,
    });
    expect(p.timeLimitMs).toBe(90 * 60_000);
    expect(p.dataLoss).toBe("archive");
    expect(p.lock).toEqual({ leaseMs: 30_000, waitTimeoutMs: 0 });
    expect(p.escalation).toEqual({
      name: "page-oncall",
      command: ["/usr/local/bin/page-oncall", "--severity", "high"],
      timeoutMs: 60_000,
      env: {},
    });
    expect(p.emergency).toEqual([
      {
        name: "maintenance",
        command: ["maintenance", "on"],
        timeoutMs: 120_000,
        env: { REASON: "rollback" },
      },
      { name: "notify", command: ["./notify.sh"], timeoutMs: 60_000, env: {} },
    ]);
    expect(config.components[0]?.dataLoss).toBe("refuse");
    expect(config.components[0]?.compatibility).toEqual([{ when: "<2.0.0", requires: { api: ">=1" } }]);
  });

  it("keeps components in file order, even with numeric names", () => {
    const { config } = load(
      yaml(
        "version: 1",
        "environment: e",
        "components:",
        "  web: { kind: release, path: /w }",
        "  '10': { kind: release, path: /a }",
        "  '2': { kind: release, path: /b }",
      ),
    );
    expect(config.components.map((c) => c.name)).toEqual(["web", "10", "2"]);
  });

  it("accepts anchors and merge keys", () => {
    const { config } = load(
      yaml(
        "version: 1",
        "environment: e",
        "components:",
        "  api: &app { kind: release, path: /a, layer: app }",
        "  web:",
        "    <<: *app",
        "    path: /w",
      ),
    );
    expect(config.components.map((c) => [c.name, c.settings])).toEqual([
      ["api", { path: "/a" }],
      ["web", { path: "/w" }],
    ]);
  });

  it("an empty registry rejects every kind and says none are registered", () => {
    const file = writeConfig(
      yaml("version: 1", "environment: e", "components:", "  api: { kind: release, path: /a }"),
    );
    let error: unknown;
    try {
      loadEnvironment(file, { providers: new Map(), env: {}, redactor: new Redactor() });
    } catch (e) {
      error = e;
    }
    expect((error as BackoutError).code).toBe("CONFIG_UNKNOWN_KIND");
    expect((error as BackoutError).where).toMatchObject({ line: 4, column: 16 });
    expect((error as BackoutError).hint).toBe("use one of the kinds: (none registered)");
  });

  it("says how to find the file when it is missing", () => {
    const file = join(dirname(new URL(import.meta.url).pathname), "no-such", "backout.yaml");
    let error: unknown;
    try {
      loadEnvironment(file, { providers: testRegistry(), env: {}, redactor: new Redactor() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackoutError);
    const e = error as BackoutError;
    expect(e.code).toBe("CONFIG_NOT_FOUND");
    expect(e.where?.file).toBe(file);
    expect(e.hint).toBe("run backout in the directory of backout.yaml or pass --config FILE");
  });
});
