/**
 * The dashboard in real Chromium (Debian's, through playwright-core) against the real server
 * process: live progress of a rollback the CLI runs, without a reload; a stream dropped by the
 * server's death catches up from Last-Event-ID; approval by an approver works and by an
 * operator is refused (button disabled, and the server refuses the forced click); read-only
 * views with a viewer token; a link /ui/#rollback=ID opens that rollback, and a link to none says
 * so. Screenshots at 1280 px and phone width go to BACKOUT_SCREENSHOTS
 * (default: a temp dir, printed).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, startCli, tempDir } from "../e2e/cli.js";
import { readApplications, recordingComponent, writeRecordingStep } from "../fault-harness/recording-step.js";
import { launchChromium } from "../support/chromium.js";
import {
  readEvents,
  serveSection,
  startServer,
  TOKENS,
  until,
  type ServerProcess,
  type TokenName,
} from "./server-process.js";

const CHAIN = ["web", "api", "worker"];
const SHOTS = process.env.BACKOUT_SCREENSHOTS ?? join(tmpdir(), "backout-dashboard-shots");

let dir: string;
let server: ServerProcess;
let browser: Browser;

/** web → api → worker, 1.2 s each, and db with declared data loss; checkpoint v1 (good). */
async function environment(): Promise<string> {
  const d = tempDir("serve-dash");
  writeRecordingStep(d);
  for (const n of [...CHAIN, "db"]) writeFileSync(join(d, "state", n), "v1");
  writeFileSync(
    join(d, "backout.yaml"),
    `version: 1
environment: dash-demo
${serveSection()}components:
${recordingComponent(d, "web", { dependsOn: ["api"], sleepMs: 1200 })}${recordingComponent(d, "api", { dependsOn: ["worker"], sleepMs: 1200 })}${recordingComponent(d, "worker", { sleepMs: 1200 })}${recordingComponent(d, "db", { dataLoss: true })}`,
  );
  const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: d });
  expect(cp.exitCode, cp.stderr).toBe(0);
  return d;
}

const deploy = (v: string, names = [...CHAIN, "db"]) => {
  for (const n of names) writeFileSync(join(dir, "state", n), v);
};

/**
 * A fresh context (its own sessionStorage) signed in with `who`'s token; records every request.
 * `path`: where the page is opened (a link such as /ui/#rollback=ID).
 */
async function openDashboard(
  who: TokenName,
  width = 1280,
  path = "/",
): Promise<{ page: Page; requests: string[] }> {
  const context = await browser.newContext({
    viewport: { width, height: width > 600 ? 900 : 844 },
    ...(width <= 600 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(`${server.url}${path}`);
  await page.fill("#token", TOKENS[who]);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#main:not([hidden])");
  await page.waitForSelector("#conn.live");
  return { page, requests };
}

async function stateOf(id: string): Promise<string> {
  return (await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.rollback.state;
}

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  dir = await environment();
  server = await startServer(dir);
  browser = await launchChromium();
  console.log(`dashboard screenshots: ${SHOTS}`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.proc.kill("SIGTERM");
  await server?.proc;
});

describe("dashboard in Chromium", () => {
  it("a viewer sees a rollback run by the CLI progress live without a reload; the page is self-contained under a strict CSP", async () => {
    const { page, requests } = await openDashboard("viewer");
    const res = await page.request.get(`${server.url}/ui/`);
    expect(res.headers()["content-security-policy"]).toContain("default-src 'none'");
    expect(res.headers()["content-security-policy"]).toContain("script-src 'self'");
    // Read-only: every changing button is disabled for a viewer, and says why.
    for (const id of ["preview", "run", "approve", "cancel", "resume"]) {
      expect(await page.isDisabled(`#${id}`), id).toBe(true);
    }
    expect(await page.getAttribute("#preview", "title")).toContain("operator");
    await page.evaluate(() => ((window as unknown as { loadMarker: number }).loadMarker = 42));

    deploy("v2", CHAIN);
    const run = startCli(["run", "--except", "db"], { cwd: dir });
    // The progress line of the CLI, as it moves: 0 done while the first step runs, then all.
    await page.waitForFunction(() =>
      /Rolling Back: web \| .*Restored: 0\/3/.test(document.getElementById("progress")?.textContent ?? ""),
    );
    expect(await page.textContent("#live-state")).toBe("running");
    await page.waitForFunction(() =>
      /Restored: 1\/3 \| .*Status: 33%/.test(document.getElementById("progress")?.textContent ?? ""),
    );
    await page.waitForSelector('#steps tr[data-step^="web"][data-status="succeeded"]');
    await page.waitForSelector("#timeline rect.attempt.succeeded");
    expect((await run).exitCode).toBe(0);
    await page.waitForFunction(() =>
      /Restored: 3\/3 \| .*Status: 100%/.test(document.getElementById("progress")?.textContent ?? ""),
    );
    await page.waitForSelector("#live-state.succeeded");
    expect(await page.locator("#timeline rect.attempt.succeeded").count()).toBe(3);
    expect(await page.textContent("#steps")).toContain("#1 succeeded");
    // Same document all along: no reload happened.
    expect(await page.evaluate(() => (window as unknown as { loadMarker?: number }).loadMarker)).toBe(42);
    expect(requests.filter((u) => !u.startsWith(server.url))).toEqual([]);
    await shoot(page, "viewer-1280-succeeded");
    await page.context().close();
  }, 120_000);

  it("a stream dropped by the server's death catches up from Last-Event-ID: every event the CLI wrote meanwhile appears, none twice", async () => {
    const { page } = await openDashboard("viewer");
    deploy("v3", CHAIN);
    const run = startCli(["run", "--except", "db"], { cwd: dir });
    await page.waitForSelector('#steps tr[data-step^="web"][data-status="running"]');
    const port = Number(new URL(server.url).port);
    server.proc.kill("SIGKILL");
    await server.proc;
    await page.waitForSelector("#conn.lost");
    // Written while no server runs: the CLI goes on.
    await until("api's step to start", () => (readApplications(dir).starts.get("api") ?? 0) >= 2);
    const seenBefore = await page.evaluate(() => [
      ...(window as unknown as { backoutDashboard: { seen: number[] } }).backoutDashboard.seen,
    ]);
    server = await startServer(dir, {}, port);
    expect((await run).exitCode).toBe(0);
    await page.waitForSelector("#conn.live");
    await page.waitForSelector("#live-state.succeeded");
    // Every feed id from the first one the page saw to this rollback's end: in order, gap-free, once each.
    type Seen = { backoutDashboard: { seen: number[] } };
    const first = seenBefore[0] ?? 0;
    const all = await readEvents(server.url, TOKENS.viewer, {
      query: `?after=${first - 1}`,
      stop: (e) => e[e.length - 1]?.event === "finished",
    });
    const ids = all.map((e) => Number(e.id));
    await page.waitForFunction(
      (n) => (window as unknown as Seen).backoutDashboard.seen.includes(n),
      ids[ids.length - 1] ?? -1,
    );
    const seen = await page.evaluate(() => (window as unknown as Seen).backoutDashboard.seen);
    expect(seen).toEqual(ids);
    expect(seen.length).toBeGreaterThan(seenBefore.length);
    await page.context().close();
  }, 120_000);

  it("approval of a data-loss plan: an operator's forced click is refused by the server, an approver who types the hash approves", async () => {
    deploy("v4");
    const start = await server.call("POST", "/api/v1/rollbacks", { token: "operator", body: {} });
    expect(start.status, start.text).toBe(202);
    const id = start.json.rollbackId;
    const hash = start.json.planHash;
    await until("awaiting-confirmation", async () => (await stateOf(id)) === "awaiting-confirmation");

    const op = await openDashboard("operator");
    await op.page.waitForSelector("#gate:not([hidden])");
    expect(await op.page.textContent("#gate-hash")).toBe(hash);
    expect(await op.page.textContent("#gate-risks")).toContain("drops what the fault harness wrote");
    await op.page.fill("#gate-confirm", hash.slice(0, 12));
    expect(await op.page.isDisabled("#approve")).toBe(true);
    expect(await op.page.isDisabled("#cancel")).toBe(false); // an operator may cancel
    // Forced past the disabled button: the server still says no.
    await op.page.evaluate(() => document.getElementById("approve")?.removeAttribute("disabled"));
    await op.page.click("#approve");
    await op.page.waitForFunction(() =>
      (document.getElementById("live-error")?.textContent ?? "").includes("FORBIDDEN"),
    );
    expect(await stateOf(id)).toBe("awaiting-confirmation");
    await shoot(op.page, "operator-1280-awaiting-approval");

    const phone = await openDashboard("approver", 390);
    await phone.page.waitForSelector("#gate:not([hidden])");
    await shoot(phone.page, "approver-390-awaiting-approval");
    await phone.page.fill("#gate-confirm", "0".repeat(12));
    expect(await phone.page.isDisabled("#approve")).toBe(true); // a wrong hash cannot be sent
    await phone.page.fill("#gate-confirm", hash.slice(0, 12));
    expect(await phone.page.isDisabled("#approve")).toBe(false);
    await phone.page.click("#approve");
    await phone.page.waitForSelector("#live-state.succeeded");
    // The operator's page follows through the stream.
    await op.page.waitForSelector("#live-state.succeeded");
    await op.page.waitForSelector("#gate", { state: "hidden" });
    const events = (await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.events;
    expect(events.find((e) => e.event.type === "gate-approved")?.event.by).toBe("anna@serve");
    await shoot(phone.page, "approver-390-succeeded");
    await op.page.click("#preview");
    await op.page.waitForSelector("#plan-hash");
    await shoot(op.page, "operator-1280-plan-preview");
    await op.page.context().close();
    await phone.page.context().close();
  }, 120_000);
  it("cancel from the dashboard: an operator cancels a rollback waiting on the gate; a viewer's forced click is refused", async () => {
    deploy("v5");
    const start = await server.call("POST", "/api/v1/rollbacks", { token: "operator", body: {} });
    expect(start.status, start.text).toBe(202);
    const id = start.json.rollbackId;
    await until("awaiting-confirmation", async () => (await stateOf(id)) === "awaiting-confirmation");

    const viewer = await openDashboard("viewer");
    await viewer.page.waitForSelector("#gate:not([hidden])");
    expect(await viewer.page.isDisabled("#cancel")).toBe(true);
    viewer.page.on("dialog", (d) => void d.accept());
    await viewer.page.evaluate(() => document.getElementById("cancel")?.removeAttribute("disabled"));
    await viewer.page.click("#cancel");
    await viewer.page.waitForFunction(() =>
      (document.getElementById("live-error")?.textContent ?? "").includes("FORBIDDEN"),
    );
    expect(await stateOf(id)).toBe("awaiting-confirmation");

    const op = await openDashboard("operator");
    await op.page.waitForSelector("#gate:not([hidden])");
    op.page.on("dialog", (d) => void d.accept());
    await op.page.click("#cancel");
    await op.page.waitForSelector("#live-state.cancelled");
    expect(await stateOf(id)).toBe("cancelled");
    // The viewer's page follows, and its stale refusal is gone with the state it was about.
    await viewer.page.waitForSelector("#live-state.cancelled");
    expect(await viewer.page.textContent("#live-error")).toBe("");
    await viewer.page.context().close();
    await op.page.context().close();
  }, 120_000);

  it("a link /ui/#rollback=ID opens that rollback without a click; a link to no rollback says so clearly", async () => {
    type Listed = { id: string; state: string };
    const list = (await server.call("GET", "/api/v1/rollbacks?limit=100", { token: "viewer" }))
      .json as unknown as Listed[];
    // The oldest: not the one the page shows by default (the newest).
    const newest = list[0];
    const linked = list[list.length - 1];
    if (!newest || !linked || linked.id === newest.id)
      throw new Error("needs two rollbacks from the tests above");

    const { page } = await openDashboard("viewer", 1280, `/ui/#rollback=${linked.id}`);
    await page.waitForFunction((id) => document.getElementById("live-id")?.textContent === id, linked.id);
    expect(await page.textContent("#live-state")).toBe(linked.state);
    expect(await page.isVisible("#live-body")).toBe(true);
    expect(await page.textContent("#progress")).not.toBe("");
    await page.waitForSelector(`#history-table tr.selected[data-rollback="${linked.id}"]`);
    expect(await page.isVisible("#follow")).toBe(true);
    expect(await page.isHidden("#live-missing")).toBe(true);
    await shoot(page, "viewer-1280-linked-rollback");

    // A link to a rollback that does not exist, followed in the open tab (only the hash changes),
    // then loaded afresh: a clear message instead of an empty or a different rollback.
    const bad = "r-20991231-000000-dead";
    for (const load of [() => page.goto(`${server.url}/ui/#rollback=${bad}`), () => page.reload()]) {
      await load();
      await page.waitForSelector("#live-missing:not([hidden])");
      expect(await page.textContent("#live-missing-text")).toBe(
        `There is no rollback "${bad}" in this environment (the link asked for #rollback=${bad}): ROLLBACK_NOT_FOUND. Check the link, or pick a rollback from the history.`,
      );
      expect(await page.textContent("#live-id")).toBe(bad);
      expect(await page.isHidden("#live-body")).toBe(true);
    }
    await shoot(page, "viewer-1280-linked-rollback-missing");
    await page.click("#follow-newest");
    await page.waitForFunction((id) => document.getElementById("live-id")?.textContent === id, newest.id);
    expect(await page.isHidden("#live-missing")).toBe(true);
    expect(new URL(page.url()).hash).toBe("");
    await page.context().close();
  }, 120_000);
});
