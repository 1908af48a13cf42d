import { type ChildProcess, spawn } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { freePort } from "./free-port.js";
import { useService } from "./use-service.js";

/**
 * A real, private nginx for tests: its own prefix in a temp dir (pid file, logs and every temp
 * path inside it), listening on a free 127.0.0.1 port, in the foreground (`daemon off;`) so the
 * test owns the master process and can wait for it to exit.
 */
export interface NginxInstance {
  binary: string;
  /** The prefix directory (passed as -p); every file of this instance lives under it. */
  dir: string;
  /** The main configuration (passed as -c). */
  confPath: string;
  port: number;
  url(path?: string): string;
  /** What nginx wrote to its error log so far (for failure messages). */
  errorLog(): string;
  /** SIGTERM and wait for the master to exit (SIGKILL after 5 s); the directory stays. */
  halt(): Promise<void>;
  /** halt(), then remove the directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartNginxOptions {
  /** Directives inside http {} after the harness's own (logs, temp paths); gets the port to listen on. */
  http: (ctx: { port: number; dir: string }) => string;
  /** Files to write under the prefix before starting (relative path → text), e.g. an include. */
  files?: Record<string, string>;
}

const PACKAGE_HINT =
  "nginx is not installed: install the Debian package nginx-light (apt-get install nginx-light), or set NGINX_BIN to an nginx binary.";

/** NGINX_BIN, else nginx on PATH, else /usr/sbin/nginx; a clear failure naming the package when none exists. */
export function nginxBinary(): string {
  const candidates = [
    process.env.NGINX_BIN,
    ...(process.env.PATH ?? "")
      .split(delimiter)
      .filter((d) => d !== "")
      .map((d) => join(d, "nginx")),
    "/usr/sbin/nginx",
  ];
  for (const c of candidates) {
    if (c === undefined || c === "") continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error(PACKAGE_HINT);
}

export async function startNginx(opts: StartNginxOptions): Promise<NginxInstance> {
  const binary = nginxBinary();
  const dir = mkdtempSync(join(tmpdir(), "backout-nginx-"));
  // Workers run as "nobody" when the tests run as root: let them reach the prefix.
  chmodSync(dir, 0o755);
  for (const [rel, text] of Object.entries(opts.files ?? {})) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(binary, dir, port, opts);
    } catch (e) {
      lastError = e;
      if (!String(e).includes("Address already in use")) break;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

function mainConfig(dir: string, port: number, opts: StartNginxOptions): string {
  const tmp = (name: string) => join(dir, "tmp", name);
  return `daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} notice;
events { worker_connections 1024; }
http {
  access_log ${join(dir, "access.log")};
  client_body_temp_path ${tmp("body")};
  proxy_temp_path ${tmp("proxy")};
  fastcgi_temp_path ${tmp("fastcgi")};
  uwsgi_temp_path ${tmp("uwsgi")};
  scgi_temp_path ${tmp("scgi")};
${opts.http({ port, dir })}
}
`;
}

async function launch(
  binary: string,
  dir: string,
  port: number,
  opts: StartNginxOptions,
): Promise<NginxInstance> {
  const confPath = join(dir, "nginx.conf");
  mkdirSync(join(dir, "tmp"), { recursive: true });
  chmodSync(join(dir, "tmp"), 0o777);
  writeFileSync(confPath, mainConfig(dir, port, opts));
  const child = spawn(binary, ["-p", dir, "-c", confPath], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.once("error", (e) => (output += String(e)));
  const errorLog = () => readOr(join(dir, "error.log"));
  const up = await Promise.race([waitForPort(port, 5000), exited.then(() => false)]);
  if (!up) {
    await stopChild(child, exited);
    throw new Error(`nginx did not start on 127.0.0.1:${port}:\n${output}\n${errorLog()}`);
  }
  return {
    binary,
    dir,
    confPath,
    port,
    url: (path = "/") => `http://127.0.0.1:${port}${path}`,
    errorLog,
    halt: () => stopChild(child, exited),
    stop: async () => {
      await stopChild(child, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** An nginx started once for the enclosing file or describe block (see useService). */
export function useNginx(opts: StartNginxOptions): NginxInstance {
  return useService(
    "nginx",
    () => startNginx(opts),
    (s) => s.stop(),
  );
}
