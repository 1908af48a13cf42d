/**
 * `backout report ID --format html -o FILE` for a real rollback that had a retry, monitor
 * samples and a validation check, opened from file:// in headless Chromium (Debian's
 * package): the timeline lays out with one bar per attempt, the monitor chart has one dot per
 * sample, and the page renders to a screenshot of real size.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openInChromium } from "../support/chromium.js";
import { cli, tempDir } from "../e2e/cli.js";
import {
  checkpointThenDeploy,
  eventsOf,
  expectExit,
  latestRollback,
  readJournal,
  startEndpoint,
  type SwitchableEndpoint,
} from "./helpers.js";
import { componentYaml } from "./steps.js";

let dir: string;
let endpoint: SwitchableEndpoint | undefined;
let context: BrowserContext | undefined;
let page: Page;
let attempts = 0;
let samples = 0;
let requests: string[] = [];

beforeAll(async () => {
  endpoint = await startEndpoint(200);
  dir = tempDir("e2e-html");
  await checkpointThenDeploy(dir, {
    components: ["web", "api", "db"],
    yaml: `version: 1
environment: html-report
policies:
  retry: { maxAttempts: 3, initialInterval: 200ms }
validation:
  - { name: health, http: ${JSON.stringify(endpoint.url)}, retries: 0 }
monitor:
  interval: 200ms
  checks:
    - { name: health, http: ${JSON.stringify(endpoint.url)}, retries: 0 }
components:
${componentYaml(dir, "db", { sleepMs: 500 })}${componentYaml(dir, "api", { dependsOn: ["db"], sleepMs: 500, failure: "fail-once" })}${componentYaml(dir, "web", { dependsOn: ["api"], sleepMs: 500 })}`,
  });
  expectExit(await cli(["run"], { cwd: dir }), 0);
  const { id } = await latestRollback(dir);
  const entries = await readJournal(dir, id);
  attempts = eventsOf(entries, "step-started").length;
  samples = eventsOf(entries, "monitor-sample").length;

  const file = join(dir, "report.html");
  const r = await cli(["report", id, "--format", "html", "-o", file], { cwd: dir });
  expectExit(r, 0);
  expect(r.stderr).toContain(`report written to ${file}`);
  expect(readFileSync(file, "utf8")).toMatch(/^<!DOCTYPE html>/i);

  let requested: string[];
  ({ context, page, requests: requested } = await openInChromium(file, dir));
  requests = requested;
});

afterAll(async () => {
  await context?.close();
  await endpoint?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("HTML report of a real rollback, in Chromium", () => {
  it("had what the report must show: a retry and monitor samples", () => {
    expect(attempts).toBe(4); // three steps, one of them twice
    expect(samples).toBeGreaterThanOrEqual(4);
  });

  it("lays out the timeline SVG with one visible bar per attempt", async () => {
    const box = await page.locator("svg#timeline").boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(500);
    expect(box?.height ?? 0).toBeGreaterThan(100);
    const bars = page.locator("svg#timeline rect.attempt");
    expect(await bars.count()).toBe(attempts);
    expect(await page.locator("svg#timeline rect.attempt.failed").count()).toBe(1);
    expect(await page.locator("svg#timeline rect.attempt.succeeded").count()).toBe(3);
    for (let i = 0; i < attempts; i++)
      expect((await bars.nth(i).boundingBox())?.width ?? 0).toBeGreaterThan(1);
    expect(await page.locator('svg#timeline rect.attempt[data-step^="api"]').count()).toBe(2);
  });

  it("draws the monitor chart with one dot per sample and the validation check", async () => {
    expect(await page.locator("#monitor").getAttribute("data-samples")).toBe(String(samples));
    expect(await page.locator("#monitor circle.sample").count()).toBe(samples);
    expect(await page.locator("#monitor circle.sample.over").count()).toBe(0);
    expect(await page.locator("svg#timeline path.check.pass").count()).toBe(1);
    expect(await page.locator("#monitoring").textContent()).toContain(
      "The monitor did not abort the rollback.",
    );
  });

  it("fetches nothing and renders to a non-trivial screenshot", async () => {
    expect(requests).toEqual([]);
    const png = await page.screenshot({ path: join(dir, "report.png"), fullPage: true });
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.length).toBeGreaterThan(30_000);
    // Width and height from the PNG header: the full page is taller than the viewport's width.
    expect(png.readUInt32BE(16)).toBe(1100);
    expect(png.readUInt32BE(20)).toBeGreaterThan(900);
  });
});
