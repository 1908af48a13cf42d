/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The HTML report's layout in a real Chromium at 1280, 1400 and 1920 px (issue 13): the Steps
 * table fits the page (its last column, the error, visible without scrolling), step ids stay
 * on one line, an interrupted attempt's bar ends where its process stopped, and the Ctrl-C
 * is on the timeline. Screenshots are written next to the report for a person to look at.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { foldJournal } from "../../src/report/fold-journal.js";
import { renderHtmlReport } from "../../src/report/html/index.js";
import { ROLLBACK_ID } from "../report/journal-fixtures.js";
import { CHROMIUM } from "../support/chromium.js";
import { interruptedJournal } from "./interrupted-journal.js";

let dir: string;
let browser: Browser;

async function open(how: "ctrl-c" | "killed", width: number) {
  const { entries } = interruptedJournal(how);
  const file = join(dir, `${how}.html`);
  await writeFile(file, renderHtmlReport(foldJournal(ROLLBACK_ID, entries), entries));
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.screenshot({ path: join(dir, `${how}-${width}.png`), fullPage: true });
  return page;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "backout-html-layout-"));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("HTML report layout in Chromium", () => {
  for (const width of [1100, 1280, 1400, 1920]) {
    it(`at ${width} px the Steps table fits and its step ids stay on one line`, async () => {
      const page = await open("ctrl-c", width);
      const fit = await page.evaluate(() => {
        const table = document.querySelector("#steps table");
        const lastCells = [...document.querySelectorAll("#steps table:first-of-type tr > :last-child")];
        const ids = [...document.querySelectorAll("#steps table td:first-child code")];
        return {
          pageScrolls: document.documentElement.scrollWidth > window.innerWidth,
          tableRight: table?.getBoundingClientRect().right ?? Infinity,
          lastRight: Math.max(...lastCells.map((c) => c.getBoundingClientRect().right)),
          idHeights: ids.map((c) => c.getBoundingClientRect().height),
          lineHeight: ids[0] ? parseFloat(getComputedStyle(ids[0]).lineHeight) || 16 : 16,
          viewport: window.innerWidth,
        };
      });
      expect(fit.pageScrolls).toBe(false);
      expect(fit.tableRight).toBeLessThanOrEqual(fit.viewport);
      expect(fit.lastRight).toBeLessThanOrEqual(fit.viewport);
      expect(fit.idHeights.length).toBeGreaterThan(0);
      for (const h of fit.idHeights) expect(h).toBeLessThan(fit.lineHeight * 1.8);
      await page.close();
    });
  }

  it("an attempt whose process was killed ends where that process stopped, not at the chart's end", async () => {
    const page = await open("killed", 1280);
    const { bar, resumed, end } = await page.evaluate(() => {
      const rect = document.querySelector('rect.attempt.interrupted[data-step="api#2:restart"]');
      const box = rect?.getBoundingClientRect();
      const marker = (kind: string) =>
        document.querySelector(`g.marker.${kind} line`)?.getBoundingClientRect().left ?? NaN;
      return { bar: box ? box.right : NaN, resumed: marker("resume"), end: marker("finished") };
    });
    expect(bar).toBeLessThan(resumed);
    expect(bar).toBeLessThan(end);
    // The marker names the stop: a process that vanished without cancelling its steps.
    expect(await page.locator("g.marker.interrupted text").first().textContent()).toBe("process lost");
    await page.close();
  });

  it("the Ctrl-C is on the timeline, where the cancelled attempt ends", async () => {
    const page = await open("ctrl-c", 1280);
    const { marker, label, bar } = await page.evaluate(() => ({
      marker: document.querySelector("g.marker.interrupted line")?.getBoundingClientRect().left ?? NaN,
      label: document.querySelector("g.marker.interrupted text")?.textContent ?? "",
      bar:
        document.querySelector('rect.attempt.cancelled[data-step="api#2:restart"]')?.getBoundingClientRect()
          .right ?? NaN,
    }));
    expect(label).toBe("Ctrl-C");
    expect(Math.abs(marker - bar)).toBeLessThan(3);
    await page.close();
  });
});
