/**
 * Event-stream clients that fall behind, against the real server process. A paused client
 * whose stream waited for it gets the events written meanwhile as soon as it reads again. At
 * shutdown: a reader that keeps up, a slow client that is paused until SIGTERM and then reads,
 * and a stuck one that never reads. Rollbacks with large events (their plan carries a 3.5 MB risk summary)
 * fill the paused clients' connections past what the kernel buffers (about 4 MB on loopback)
 * until the server holds unsent data for each. SIGTERM must then hand the slow client what was
 * already written for it and end its stream cleanly, cut the stuck one off after
 * SHUTDOWN_GRACE_MS, and exit. (Before, Node's close destroyed every ended stream at once, so a
 * slow client lost what the server still held for it, without the stream's last chunk.)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHUTDOWN_GRACE_MS } from "../../src/serve/streams.js";
import { cli, tempDir } from "../e2e/cli.js";
import { recordingComponent, writeRecordingStep } from "../fault-harness/recording-step.js";
import { serveSection, startServer, TOKENS, until, type ServerProcess } from "./server-process.js";

/** The step's risk summary: each rollback's `queued` event carries the plan (the file's limit is 4 MiB). */
const SUMMARY_BYTES = 3_500_000;
/** 10.5 MB of events in all: far more than a loopback connection's kernel buffers hold. */
const ROLLBACKS = 3;
/** Process start-up and engine close on a loaded machine, on top of the grace. */
const EXIT_SLACK_MS = 20_000;

let dir: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = tempDir("serve-sse-stuck");
  writeRecordingStep(dir);
  writeFileSync(join(dir, "state", "web"), "v1");
  const summary = "x".repeat(SUMMARY_BYTES);
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: serve-sse-stuck
${serveSection()}components:
${recordingComponent(dir, "web")}    risk: { dataLoss: false, summary: ${summary} }
`,
  );
  const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir });
  expect(cp.exitCode, cp.stderr).toBe(0);
  server = await startServer(dir);
}, 120_000);

afterAll(async () => {
  // Only still alive when the test failed: it must not outlive the run.
  if (server.proc.exitCode === null) server.proc.kill("SIGKILL");
  await server.proc;
});

interface Client {
  socket: Socket;
  text: () => string;
  ended: () => boolean;
  error: () => Error | undefined;
}

/** A raw HTTP/1.1 client of the event stream; `stuck`: stops reading once the headers arrived. */
async function openStream(url: string, stuck: boolean): Promise<Client> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let text = "";
  let ended = false;
  let error: Error | undefined;
  socket.on("end", () => (ended = true));
  socket.on("error", (e) => (error = e));
  socket.write(
    `GET /api/v1/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${TOKENS.viewer}\r\n\r\n`,
  );
  await new Promise<void>((resolve) => {
    let headers = false;
    socket.on("data", (d: Buffer) => {
      text += d.toString("latin1");
      if (!headers && text.includes("\r\n\r\n")) {
        headers = true;
        if (stuck) socket.pause();
        resolve();
      }
    });
  });
  expect(text).toMatch(/^HTTP\/1\.1 200/);
  return { socket, text: () => text, ended: () => ended, error: () => error };
}

/**
 * Send and receive queues of one loopback TCP socket as the kernel reports them: bytes written
 * and not yet acknowledged by the peer, bytes received and not yet read by the process.
 */
function tcpQueues(localPort: number, remotePort: number): { tx: number; rx: number } | undefined {
  const hex = (p: number) => `0100007F:${p.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === hex(localPort) && f[2] === hex(remotePort) && f[3] === "01") {
      const [tx = "0", rx = "0"] = (f[4] ?? "").split(":");
      return { tx: parseInt(tx, 16), rx: parseInt(rx, 16) };
    }
  }
  return undefined;
}

const finished = (c: Client) => c.text().split("event: finished").length - 1;

/**
 * What reached a paused client's side of the kernel (read by it, queued for it, in flight
 * towards it) against what `reader`, reading everything, got: once that stops moving and stays
 * a megabyte short, the rest is held by the server process, unsent, and the client's stream
 * waits for it to drain.
 */
function heldBack(reader: Client): { delivered: (c: Client) => number; behind: (c: Client) => boolean } {
  const serverPort = Number(new URL(server.url).port);
  const delivered = (c: Client) => {
    const port = c.socket.localPort ?? 0;
    const mine = tcpQueues(port, serverPort);
    const theirs = tcpQueues(serverPort, port);
    if (!mine || !theirs) throw new Error("a paused client's connection is gone");
    return c.socket.bytesRead + mine.rx + theirs.tx;
  };
  const last = new Map<Client, number>();
  const behind = (c: Client) => {
    const now = delivered(c);
    const still = now === last.get(c);
    last.set(c, now);
    return still && reader.socket.bytesRead - now > 1_000_000;
  };
  return { delivered, behind };
}

/** Rolls back from the versions given, each once the reader saw the previous one finish. */
async function rollBackFrom(reader: Client, versions: string[]): Promise<void> {
  const before = finished(reader);
  for (const [i, v] of versions.entries()) {
    writeFileSync(join(dir, "state", "web"), v);
    const r = await server.call("POST", "/api/v1/rollbacks", { token: "operator", body: {} });
    expect(r.status, r.text.slice(0, 300)).toBe(202);
    await until(`the reader to see rollback ${v} finish`, () => finished(reader) === before + i + 1);
  }
}

describe("backout serve: event-stream clients behind", () => {
  it("a stream that waited on its client sends what was written meanwhile at once, not after the keep-alive", async () => {
    const reader = await openStream(server.url, false);
    const late = await openStream(server.url, true);
    const { behind } = heldBack(reader);
    await rollBackFrom(reader, ["v10", "v11"]);
    await until("the server to hold unsent data for the paused client", () => behind(late));
    // Its stream waits for the client while the rest of the second rollback is in the feed.
    late.socket.resume();
    await until("the paused client to see both rollbacks finish", () => finished(late) === 2);
    // A keep-alive comes only after 15 s without a new event: it must not have come first.
    const upToLast = late.text().slice(0, late.text().lastIndexOf("event: finished"));
    expect(upToLast, "the events waited for the keep-alive").not.toContain("\n: keep-alive\n");
    reader.socket.destroy();
    late.socket.destroy();
  });

  it("SIGTERM lets a slow client take the rest of its stream and cuts off one that reads nothing, within the grace", async () => {
    const reader = await openStream(server.url, false);
    const slow = await openStream(server.url, true);
    const stuck = await openStream(server.url, true);
    const { delivered, behind } = heldBack(reader);
    await rollBackFrom(
      reader,
      Array.from({ length: ROLLBACKS }, (_, i) => `v${i + 2}`),
    );
    await until(
      "the server to hold unsent data for both paused clients",
      () => behind(slow) && behind(stuck),
    );

    const slowAtStop = delivered(slow);
    // Not execa's kill: it sends SIGKILL after 5 s.
    process.kill(server.proc.pid ?? 0, "SIGTERM");
    await until("the stop to be logged", () => server.logs().includes("stopping:"));
    slow.socket.resume();
    const bound = SHUTDOWN_GRACE_MS + EXIT_SLACK_MS;
    const timeout = new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), bound).unref());
    const outcome = await Promise.race([server.proc, timeout]);
    if (outcome === "hung")
      throw new Error(`the server did not exit within ${bound} ms of SIGTERM:\n${server.logs()}`);
    expect([outcome.exitCode, outcome.signal], server.logs()).toEqual([0, undefined]);

    // Both reading clients got what the server had written for them, ended by the server (the
    // last chunk, then a FIN), not cut off; the one that read nothing was cut off, and the log
    // says so, once. (The slow one gets no more events after the stop: it reconnects for them.)
    for (const c of [reader, slow]) {
      await until("a reading client's stream to end", () => c.ended());
      expect(c.error()).toBeUndefined();
      expect(c.text().endsWith("\r\n0\r\n\r\n"), c.text().slice(-200)).toBe(true);
    }
    expect(finished(reader)).toBe(ROLLBACKS);
    // What the server held for the slow client at the stop reached it rather than being dropped.
    expect(slow.socket.bytesRead).toBeGreaterThan(slowAtStop + 1_000_000);
    expect(server.logs().match(/event stream not drained at shutdown/g)).toHaveLength(1);
    stuck.socket.destroy();
  });
});
