/**
 * A crash during a Redis step's warm-up, through the CLI with real processes and a real Redis:
 * `run` is SIGKILLed while the warm-up command runs (after the flush). `resume` must finish what
 * the step promised: it runs the warm-up again, and does not flush a second time the keys the
 * application refilled meanwhile.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, startCli, tempDir } from "../../e2e/cli.js";
import { latestRollback } from "../../e2e-validate/helpers.js";
import { countKeys, fillKeys, useRedis } from "../../support/redis.js";
import { until } from "../../support/until.js";

const server = useRedis();
let redis: Redis;
beforeAll(() => {
  redis = new Redis(server.url());
});
afterAll(async () => {
  await redis.quit();
});

/** Logs each start, waits while `hold` exists, then logs its end. */
const WARM = `import { appendFileSync, existsSync } from "node:fs";
const [log, hold] = process.argv.slice(2);
appendFileSync(log, "start\\n");
while (existsSync(hold)) await new Promise((r) => setTimeout(r, 50));
appendFileSync(log, "done\\n");
`;

describe("redis warm-up interrupted by a crash", () => {
  it("resume runs the warm-up again without flushing the refilled keys", async () => {
    const dir = tempDir("redis-warm-crash");
    const log = join(dir, "warm.log");
    const hold = join(dir, "hold");
    writeFileSync(join(dir, "warm.mjs"), WARM);
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: redis-warm-crash
policies:
  retry: { maxAttempts: 2 }
components:
  cache:
    kind: redis
    url: ${server.url()}
    patterns: ["cache:*"]
    warmup:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(dir, "warm.mjs"))}, ${JSON.stringify(log)}, ${JSON.stringify(hold)}]
`,
    );
    try {
      expect((await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir })).exitCode).toBe(0);
      await fillKeys(redis, "cache:", 50);
      writeFileSync(hold, "");
      const run = startCli(["run"], { cwd: dir });
      await until("the warm-up to start", () => existsSync(log) && readFileSync(log, "utf8") === "start\n");
      expect(await countKeys(redis, "cache:*")).toBe(0); // flushed before the warm-up
      run.kill("SIGKILL");
      await run;

      await fillKeys(redis, "cache:", 7); // the application refills meanwhile
      const { id, state } = await latestRollback(dir);
      expect(state).toBe("running");
      // The dead run's warm-up is still waiting on `hold`: resume must end it before its own.
      const resume = startCli(["resume", id], { cwd: dir });
      const starts = () =>
        readFileSync(log, "utf8")
          .split("\n")
          .filter((l) => l === "start").length;
      await until("resume to start the warm-up again", () => starts() === 2);
      rmSync(hold);
      const resumed = await resume;
      expect(resumed.exitCode, String(resumed.stderr)).toBe(0);
      expect((await latestRollback(dir)).state).toBe("succeeded");
      // The warm-up ran again to its end (the orphan never finished); the refilled keys were
      // not flushed a second time.
      expect(readFileSync(log, "utf8").split("\n").filter(Boolean)).toEqual(["start", "start", "done"]);
      expect(await countKeys(redis, "cache:*")).toBe(7);
    } finally {
      rmSync(hold, { force: true });
    }
  });
});
