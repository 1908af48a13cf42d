/**
 * The real `backout serve` process for the tests: the built CLI on a free loopback port, with
 * tokens in its environment; requests with fetch, Server-Sent Events read off the raw stream.
 */
import { execa, type ResultPromise } from "execa";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { readSse } from "../../src/serve/sse-reader.js";
import { CLI, cli, tempDir } from "../e2e/cli.js";
import {
  recordingComponent,
  writeRecordingStep,
  type RecordingOptions,
} from "../fault-harness/recording-step.js";
import { freePort } from "../support/free-port.js";
import { until as pollUntil } from "../support/until.js";
import { useService } from "../support/use-service.js";

export const TOKENS = {
  viewer: "viewer-token-0123456789abcdef",
  operator: "operator-token-0123456789abcdef",
  approver: "approver-token-0123456789abcdef",
  both: "both-token-0123456789abcdef0123",
} as const;
export type TokenName = keyof typeof TOKENS;

/** The `serve:` section matching TOKENS. */
export function serveSection(extra = ""): string {
  return `serve:
  tokens:
    - { name: vera, env: T_VIEWER, roles: [viewer] }
    - { name: otto, env: T_OPERATOR, roles: [operator] }
    - { name: anna, env: T_APPROVER, roles: [approver] }
    - { name: carl, env: T_BOTH, roles: [operator, approver] }
${extra}`;
}

export const TOKEN_ENV = {
  T_VIEWER: TOKENS.viewer,
  T_OPERATOR: TOKENS.operator,
  T_APPROVER: TOKENS.approver,
  T_BOTH: TOKENS.both,
};

/** test/support's until, with the longer default a server process under load needs. */
export const until = (
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> => pollUntil(what, cond, { timeoutMs, everyMs: 50 });

/** A journal entry as the API returns it. */
export interface Entry {
  rollbackId: string;
  seq: number;
  event: { type: string; by?: string; requestedBy?: string; holder?: { pid: number } };
}

/** The fields of the API's answers the tests read (each answer has some of them). */
export interface Body {
  error: { code: string; message: string; hint?: string; retryable: boolean };
  rollbackId: string;
  planHash: string;
  rollback: { state: string; plan: { hash: string } };
  events: Entry[];
  interrupted: { id: string }[];
  paths: Record<
    string,
    Record<string, { requestBody: { content: Record<string, { schema: { properties: object } }> } }>
  >;
}

export interface ServerProcess {
  url: string;
  proc: ResultPromise;
  logs: () => string;
  /** `token`: a name from TOKENS, or any other text sent as the token. */
  call: (
    method: string,
    path: string,
    o?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ) => Promise<{ status: number; json: Body; text: string }>;
}

/** `port`: a given one (a restarted server where its clients expect it), else a free one. */
export async function startServer(
  cwd: string,
  env: Record<string, string> = {},
  port?: number,
): Promise<ServerProcess> {
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = execa(process.execPath, [CLI, "serve", "--listen", `127.0.0.1:${port}`], {
    cwd,
    env: { ...TOKEN_ENV, ...env, BACKOUT_ACTIVE_ROLLBACK: "" },
    reject: false,
    stdin: "ignore",
    all: true,
    buffer: true,
  });
  let output = "";
  proc.all?.on("data", (d: Buffer) => (output += d.toString()));
  const call: ServerProcess["call"] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token !== undefined)
      headers.authorization = `Bearer ${o.token in TOKENS ? TOKENS[o.token as TokenName] : o.token}`;
    let body: string | undefined = o.raw;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let json: Body;
    try {
      json = JSON.parse(text) as Body;
    } catch {
      json = {} as Body;
    }
    return { status: res.status, json, text };
  };
  await until(`the server on ${url} (output: ${output})`, async () => {
    if (proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}: ${output}`);
    try {
      return (await fetch(`${url}/healthz`)).ok;
    } catch {
      return false;
    }
  });
  return { url, proc, logs: () => output, call };
}

/** A served environment's server, with the directory it serves. */
export interface ServedEnvironment extends ServerProcess {
  dir: string;
}

/**
 * A new directory holding an environment named `name` to serve: recording components
 * (`state/<name>` at v1), `serve:` as serveSection(`serveExtra`), and a good checkpoint v1.
 */
export async function writeServedEnvironment(
  name: string,
  components: Record<string, RecordingOptions>,
  serveExtra = "",
): Promise<string> {
  const dir = tempDir(name);
  writeRecordingStep(dir);
  let yaml = "";
  for (const [n, o] of Object.entries(components)) {
    writeFileSync(join(dir, "state", n), "v1");
    yaml += recordingComponent(dir, n, o);
  }
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1\nenvironment: ${name}\n${serveSection(serveExtra)}components:\n${yaml}`,
  );
  const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir });
  expect(cp.exitCode, cp.stderr).toBe(0);
  return dir;
}

/**
 * The server for the enclosing file, started in beforeAll and ended (SIGTERM) after its last
 * test, serving writeServedEnvironment(`name`, `components`, `serveExtra`).
 */
export function servedEnvironment(
  name: string,
  components: Record<string, RecordingOptions>,
  serveExtra = "",
): ServedEnvironment {
  return useService(
    `the ${name} server`,
    async () => {
      const dir = await writeServedEnvironment(name, components, serveExtra);
      return { ...(await startServer(dir)), dir };
    },
    async (server) => {
      server.proc.kill("SIGTERM");
      await server.proc;
    },
    120_000,
  );
}

export interface SseEvent {
  id?: string;
  event?: string;
  data?: Entry;
}

/** Reads events until `stop(events)` says enough (or the time runs out); then disconnects. */
export async function readEvents(
  url: string,
  token: string,
  o: { lastEventId?: string; query?: string; stop: (events: SseEvent[]) => boolean; timeoutMs?: number },
): Promise<SseEvent[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), o.timeoutMs ?? 60_000);
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (o.lastEventId !== undefined) headers["last-event-id"] = o.lastEventId;
  const events: SseEvent[] = [];
  try {
    const res = await fetch(`${url}/api/v1/events${o.query ?? ""}`, { headers, signal: ac.signal });
    if (!res.body) throw new Error(`no body (${res.status})`);
    if (!o.stop(events))
      await readSse(res.body, (m) => {
        events.push({
          ...(m.id !== undefined ? { id: m.id } : {}),
          ...(m.event !== undefined ? { event: m.event } : {}),
          data: JSON.parse(m.data) as Entry,
        });
        return o.stop(events);
      });
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return events;
}
