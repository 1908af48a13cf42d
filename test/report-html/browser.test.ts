/**
 * Opens the HTML report in a real headless Chromium (Debian's package) from a file:// URL:
 * the timeline must lay out, show one bar per attempt and the escalation marker, run no
 * script and fetch nothing.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { foldJournal } from "../../src/report/fold-journal.js";
import { renderHtmlReport } from "../../src/report/html/index.js";
import { ROLLBACK_ID } from "../report/journal-fixtures.js";
import { richJournal } from "./rich-journal.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let dir: string;
let context: BrowserContext | undefined;
let page: Page;
const requests: string[] = [];
const { entries, attempts } = richJournal();

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: install the Debian package "chromium" (apt-get install --no-install-recommends chromium)`,
    );
  }
  dir = await mkdtemp(join(tmpdir(), "backout-html-report-"));
  const file = join(dir, "report.html");
  await writeFile(file, renderHtmlReport(foldJournal(ROLLBACK_ID, entries), entries));
  // A fresh profile per run (launchPersistentContext's userDataDir is Chromium's --user-data-dir).
  context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 900 },
    timeout: 15_000,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("request", (r) => {
    if (!r.url().startsWith("file://")) requests.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 10_000 });
}, 30_000);

afterAll(async () => {
  await context?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("HTML report in Chromium", () => {
  it("lays out the timeline SVG with one bar per attempt", async () => {
    const box = await page.locator("svg#timeline").boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(500);
    expect(box?.height ?? 0).toBeGreaterThan(100);
    expect(await page.locator("svg#timeline rect.attempt").count()).toBe(attempts);
    // Every bar has a real size on screen, not just an element in the DOM.
    const bars = page.locator("svg#timeline rect.attempt");
    const widths: number[] = [];
    for (let i = 0; i < attempts; i++) widths.push((await bars.nth(i).boundingBox())?.width ?? 0);
    expect(widths.every((w) => w > 0)).toBe(true);
  });

  it("shows the escalation marker's text", async () => {
    const label = page.locator("#marker-escalation text");
    await expect.poll(() => label.isVisible()).toBe(true);
    expect(await label.textContent()).toBe("escalated");
    const labelBox = await label.boundingBox();
    expect(labelBox?.width ?? 0).toBeGreaterThan(10);
  });

  it("ran no injected script and fetched nothing", async () => {
    // A string expression: the test is compiled without the DOM library.
    expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");
    expect(await page.locator("script").count()).toBe(0);
    expect(requests).toEqual([]);
    const stepText = await page.locator("#steps tbody tr").nth(2).locator("td").first().textContent();
    expect(stepText).toBe("db#1:<script>window.__pwned=1</script>");
  });

  it("renders to a non-trivial screenshot", async () => {
    const png = join(dir, "report.png");
    await page.screenshot({ path: png, fullPage: true });
    const bytes = await readFile(png);
    expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect((await stat(png)).size).toBeGreaterThan(30_000);
  });
});
