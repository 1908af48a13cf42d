import { defineConfig } from "vitest/config";

/**
 * Unit tests: in-process only (no services started, no CLI or tool processes spawned), so
 * `npm run test:unit` answers in seconds. Everything else is the integration project. A new
 * test file is integration unless listed here.
 */
const UNIT = [
  "test/config/**/*.test.ts",
  "test/core/**/*.test.ts",
  "test/planner/**/*.test.ts",
  "test/progress/**/*.test.ts",
  "test/report/**/*.test.ts",
  "test/store/{checkpoints,checkpoint-events,damage,journal,lock-queue,outbox}.test.ts",
  "test/notify/schema.test.ts",
  "test/validate/schema.test.ts",
  "test/report-html/html-report.test.ts",
  "test/providers/registry.test.ts",
  "test/providers/{step-params,url-password,lazy-provider}.test.ts",
  "test/serve/{http-status,sse-reader,dashboard-sse-client,streams}.test.ts",
  "test/providers/release/capture-plan.test.ts",
  "test/providers/postgres/strategies/restore/{names,history-tables}.test.ts",
  "test/providers/postgres/strategies/restore/snapshot/{transactions,wal2json}.test.ts",
  "test/providers/postgres/classify/classify{,-corpus}.test.ts",
  "test/providers/postgres/errors.test.ts",
  "test/errors/exit-codes.test.ts",
  "test/cli/compile-cache-path.test.ts",
];

export default defineConfig({
  test: {
    setupFiles: ["test/support/setup.ts"],
    // Bounds for a hung test, not speed goals: generous because three workers share two cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // vitest's default is one worker per core minus one: a single worker on the 2-core CI
    // machines, so the suite ran file after file although most of its time is spent waiting on
    // real services and processes. BACKOUT_TEST_WORKERS overrides.
    maxWorkers: Number(process.env.BACKOUT_TEST_WORKERS ?? 3),
    projects: [
      { extends: true, test: { name: "unit", include: UNIT } },
      { extends: true, test: { name: "integration", include: ["test/**/*.test.ts"], exclude: UNIT } },
    ],
  },
});
