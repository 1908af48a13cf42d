/**
 * Shared pieces of the validation/monitor/watch/notification end-to-end tests: a switchable
 * real HTTP endpoint, the checkpoint-then-deploy start of a test, reading a rollback's raw
 * journal after the CLI wrote it, and the CLI's JSON outputs parsed into the shapes the tests check.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { JournalEntry, JournalEventData } from "../../src/core/journal-events.js";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import { cli, type CliResult } from "../e2e/cli.js";
import { setVersion, writeStepTool } from "./steps.js";

/** A real HTTP endpoint whose answer the test flips between healthy (200) and failing (500). */
export interface SwitchableEndpoint {
  url: string;
  setStatus(status: number): void;
  /** Requests answered so far. */
  hits(): number;
  close(): Promise<void>;
}

export async function startEndpoint(status = 200): Promise<SwitchableEndpoint> {
  let current = status;
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(current, { "content-type": "text/plain" });
    res.end(current < 400 ? "ok\n" : "failing on purpose\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health`,
    setStatus: (s) => (current = s),
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The raw journal the CLI wrote (show --json folds it and drops validation/monitor events). */
export async function readJournal(dir: string, rollbackId: string): Promise<JournalEntry[]> {
  const store = openSqliteStore(join(dir, ".backout"));
  try {
    return await store.readJournal(rollbackId);
  } finally {
    await store.close();
  }
}

export function eventsOf<T extends JournalEventData["type"]>(
  entries: JournalEntry[],
  type: T,
): Extract<JournalEventData, { type: T }>[] {
  return entries
    .map((e) => e.event)
    .filter((e): e is Extract<JournalEventData, { type: T }> => e.type === type);
}

export interface HistoryRow {
  id: string;
  state: string;
}

export async function history(dir: string, env?: Record<string, string>): Promise<HistoryRow[]> {
  const r = await cli(["history", "--json"], { cwd: dir, ...(env ? { env } : {}) });
  if (r.exitCode !== 0) throw new Error(`history failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as HistoryRow[];
}

/** The newest rollback's id. */
export async function latestRollback(dir: string, env?: Record<string, string>): Promise<HistoryRow> {
  const [first] = await history(dir, env);
  if (!first) throw new Error("no rollback in history");
  return first;
}

export interface TimelineRow {
  type: string;
  summary: string;
  offsetMs: number;
}

export interface JsonReportShape {
  id: string;
  state: string;
  requestedBy: string;
  endReason: string | null;
  escalation: { reason: string; hookOk: boolean | null } | null;
  steps: { id: string; status: string; attempts: unknown[] }[];
  timeline: TimelineRow[];
}

export async function jsonReport(
  dir: string,
  id: string,
  env?: Record<string, string>,
): Promise<JsonReportShape> {
  const r = await cli(["report", id, "--format", "json"], { cwd: dir, ...(env ? { env } : {}) });
  if (r.exitCode !== 0) throw new Error(`report failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as JsonReportShape;
}

/** Fails with both streams when the exit code is not the expected one. */
export function expectExit(r: CliResult, code: number): void {
  if (r.exitCode !== code) {
    throw new Error(`expected exit ${code}, got ${r.exitCode}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

export interface DeployOptions {
  /** Components (steps.ts) set to v1 before the checkpoint. */
  components: readonly string[];
  /** The whole backout.yaml. */
  yaml: string;
  /** Components moved to v2 after it; default every one. */
  deployed?: readonly string[];
  /** How to run the CLI (a test with its own environment variables passes its own). */
  run?: (args: string[]) => Promise<CliResult>;
}

/** The start of most tests here: components at v1, backout.yaml, a good checkpoint "v1", then a "deploy" of v2. */
export async function checkpointThenDeploy(dir: string, opts: DeployOptions): Promise<void> {
  writeStepTool(dir);
  for (const n of opts.components) setVersion(dir, n, "v1");
  writeFileSync(join(dir, "backout.yaml"), opts.yaml);
  const run = opts.run ?? ((args: string[]) => cli(args, { cwd: dir }));
  expectExit(await run(["checkpoint", "--good", "--name", "v1"]), 0);
  for (const n of opts.deployed ?? opts.components) setVersion(dir, n, "v2");
}
