import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, get, type Server } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { useService } from "./use-service.js";

/**
 * A throwaway HAProxy in front of small node:http servers (each answers its own name), with
 * an admin runtime API socket, a user-level one, and a global server-state file loaded on start.
 */
export interface HaproxyService {
  dir: string;
  /** Admin-level runtime API socket. */
  socket: string;
  /** User-level (read-only) runtime API socket. */
  userSocket: string;
  /** The file `server-state-file` names; nothing writes it unless told to. */
  stateFile: string;
  backend: string;
  servers: string[];
  /** Port of the HTTP frontend on 127.0.0.1. */
  port: number;
  /** Pid of the HAProxy process serving now. */
  pid(): number;
  /** One request through the frontend on a fresh connection; resolves with the body (a server name). */
  request(): Promise<string>;
  /** `n` sequential requests, counted by the server that answered. */
  spread(n: number): Promise<Record<string, number>>;
  /** A raw runtime API command on the admin socket (for tests to poke HAProxy behind backout's back). */
  command(cmd: string): Promise<string>;
  /** Starts a new process with `-sf <old pid>` (a graceful reload) and waits until it serves. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export interface HaproxyOptions {
  /** Server names in the backend (default web1, web2, web3). */
  servers?: string[];
  /** Weight of every server in the configuration (default 100). */
  weight?: number;
  /** The backend's `balance` algorithm (default roundrobin). */
  balance?: string;
}

const START_TIMEOUT_MS = 8_000;
const BACKEND = "app";

export async function startHaproxy(opts: HaproxyOptions = {}): Promise<HaproxyService> {
  const bin = haproxyBinary();
  const names = opts.servers ?? ["web1", "web2", "web3"];
  const dir = mkdtempSync(join(tmpdir(), "backout-haproxy-"));
  const backends = await Promise.all(names.map((n) => startBackend(n)));
  const cleanupBackends = () => Promise.all(backends.map((b) => closeServer(b.server)));
  const socket = join(dir, "admin.sock");
  const userSocket = join(dir, "user.sock");
  const stateFile = join(dir, "state");
  const cfg = join(dir, "haproxy.cfg");
  let port = 0;
  let proc: Running | undefined;
  try {
    // A port found free can be taken before HAProxy binds it; try again with another.
    for (let attempt = 0; attempt < 3 && proc === undefined; attempt++) {
      port = await freePort();
      writeFileSync(
        cfg,
        config({
          socket,
          userSocket,
          stateFile,
          port,
          weight: opts.weight ?? 100,
          balance: opts.balance ?? "roundrobin",
          backends,
        }),
      );
      try {
        proc = await launch(bin, ["-f", cfg, "-db"], socket);
      } catch (e) {
        if (attempt === 2) throw e;
      }
    }
  } catch (e) {
    await cleanupBackends();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let current = proc as Running;
  const request = () => httpGet(port);
  return {
    dir,
    socket,
    userSocket,
    stateFile,
    backend: BACKEND,
    servers: names,
    port,
    pid: () => current.proc.pid ?? -1,
    request,
    async spread(n) {
      const counts: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const name = await request();
        counts[name] = (counts[name] ?? 0) + 1;
      }
      return counts;
    },
    command: (cmd) => rawCommand(socket, cmd),
    async reload() {
      const old = current;
      current = await launch(bin, ["-f", cfg, "-db", "-sf", String(old.proc.pid)], socket);
      await waitExit(old, 5_000);
    },
    async stop() {
      await stopProcess(current);
      await cleanupBackends();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function haproxyBinary(): string {
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  const candidates = ["haproxy", "/usr/sbin/haproxy", "/usr/local/sbin/haproxy"];
  for (const c of candidates) {
    if (c.includes("/") && !existsSync(c)) continue;
    const probe = spawnSync(c, ["-v"], { encoding: "utf8" });
    if (probe.error === undefined && probe.status === 0) return c;
  }
  throw new Error(
    "haproxy is not installed (looked on PATH, /usr/sbin, /usr/local/sbin): install the Debian package haproxy (apt-get install haproxy) to run the haproxy provider tests",
  );
}

interface Backend {
  name: string;
  port: number;
  server: Server;
}

interface ConfigInput {
  socket: string;
  userSocket: string;
  stateFile: string;
  port: number;
  weight: number;
  balance: string;
  backends: Backend[];
}

function config(c: ConfigInput): string {
  return [
    "global",
    `  stats socket ${c.socket} mode 600 level admin`,
    `  stats socket ${c.userSocket} mode 600 level user`,
    `  server-state-file ${c.stateFile}`,
    "defaults",
    "  mode http",
    "  load-server-state-from-file global",
    "  timeout connect 2s",
    "  timeout client 5s",
    "  timeout server 5s",
    "frontend fe",
    `  bind 127.0.0.1:${c.port}`,
    `  default_backend ${BACKEND}`,
    `backend ${BACKEND}`,
    `  balance ${c.balance}`,
    ...c.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} weight ${c.weight}`),
    "",
  ].join("\n");
}

interface Running {
  proc: ChildProcess;
  exited: Promise<void>;
  log: () => string;
}

/** Spawns HAProxy in the foreground and waits until the runtime API answers with its pid. */
async function launch(bin: string, args: string[], socket: string): Promise<Running> {
  const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  let done = false;
  const exited = new Promise<void>((resolve) =>
    proc.once("exit", () => {
      done = true;
      resolve();
    }),
  );
  const running: Running = { proc, exited, log: () => log };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (done) throw new Error(`haproxy exited at start:\n${log}`);
    const info = await rawCommand(socket, "show info").catch(() => "");
    if (info.includes(`\nPid: ${proc.pid}\n`)) return running;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopProcess(running);
  throw new Error(`haproxy did not answer on ${socket} within ${START_TIMEOUT_MS} ms:\n${log}`);
}

async function waitExit(r: Running, ms: number): Promise<void> {
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms));
  if ((await Promise.race([r.exited, timer])) === "timeout") {
    await stopProcess(r);
    throw new Error(`the old haproxy (pid ${r.proc.pid}) did not leave after -sf:\n${r.log()}`);
  }
}

async function stopProcess(r: Running): Promise<void> {
  if (r.proc.exitCode !== null || r.proc.signalCode !== null) return;
  r.proc.kill("SIGTERM");
  const timer = setTimeout(() => r.proc.kill("SIGKILL"), 3_000);
  await r.exited;
  clearTimeout(timer);
}

/** One command, one connection: HAProxy answers and closes. */
export function rawCommand(socket: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let out = "";
    conn.setTimeout(3_000, () => conn.destroy(new Error(`no answer to "${cmd}" on ${socket}`)));
    conn.on("connect", () => conn.end(`${cmd}\n`));
    conn.on("data", (d: Buffer) => (out += d.toString()));
    conn.on("end", () => resolve(out));
    conn.on("error", reject);
  });
}

function startBackend(name: string): Promise<Backend> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", connection: "close" });
    res.end(name);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      if (addr === null || typeof addr === "string") return reject(new Error("no port"));
      resolve({ name, port: addr.port, server });
    });
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // agent: false → a new connection per request, so every request is balanced on its own.
    const req = get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 3_000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve(res.statusCode === 200 ? body : `status ${res.statusCode}`));
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
  });
}

/** An HAProxy started once for the enclosing file or describe block (see useService). */
export function useHaproxy(opts: HaproxyOptions = {}): HaproxyService {
  return useService(
    "haproxy",
    () => startHaproxy(opts),
    (s) => s.stop(),
  );
}
