/**
 * Debian's Chromium, headless, through playwright-core: opens a local file in a fresh profile
 * and records every request that is not a file:// load (a standalone report makes none).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
// Without the background-networking flags, Chromium's connections are refused by this closed network.
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

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** URLs requested beyond file:// loads. */
  requests: string[];
}

function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: install the Debian package "chromium" (apt-get install --no-install-recommends chromium)`,
    );
  }
}

/** A headless browser; each test opens its own contexts (own sessionStorage) in it. */
export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 15_000 });
}

export async function openInChromium(file: string, workDir: string): Promise<OpenedPage> {
  requireChromium();
  // A fresh profile per run (launchPersistentContext's userDataDir is Chromium's --user-data-dir).
  const context = await chromium.launchPersistentContext(join(workDir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 900 },
    timeout: 15_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith("file://")) requests.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 10_000 });
  return { context, page, requests };
}
