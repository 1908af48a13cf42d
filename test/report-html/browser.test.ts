/**
 * Opens the HTML report in a real headless Chromium (Debian's package) from a file:// URL:
 * the timeline must lay out, show one bar per attempt and the escalation marker, run no
 * script and fetch nothing.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openInChromium } from "../support/chromium.js";
import { foldJournal } from "../../src/report/fold-journal.js";
import { renderHtmlReport } from "../../src/report/html/index.js";
import { ROLLBACK_ID } from "../report/journal-fixtures.js";
import { richJournal } from "./rich-journal.js";

let dir: string;
let context: BrowserContext | undefined;
let page: Page;
let requests: string[] = [];
const { entries, attempts } = richJournal();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "backout-html-report-"));
  const file = join(dir, "report.html");
  await writeFile(file, renderHtmlReport(foldJournal(ROLLBACK_ID, entries), entries));
  let requested: string[];
  ({ context, page, requests: requested } = await openInChromium(file, dir));
  requests = requested;
});

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
