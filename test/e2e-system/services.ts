/**
 * The system's two HTTP services, `api` and `web`, as Capistrano-style release directories
 * (releases/<v>/server.js and a `current` symlink) run by the demo's tiny service manager.
 * web answers with its own version and the version it got from api, so one response shows
 * whether the pair is old, new, or mixed.
 */
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { systemClock } from "../../src/core/clock.js";
import { startService, stopService } from "../../src/demo/service-ctl.js";

export const OLD = "1.0.0";
export const NEW = "2.0.0";

/** The built service manager that backout's restart command runs (needs `npm run build`). */
export const SERVICE_CTL = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/demo/service-ctl.js");

export interface Service {
  name: "api" | "web";
  port: number;
  dir: string;
}

/** What web answers through the edge when web and api are both at `version`. */
export function pairBody(version: string): string {
  return `web ${version} api ${version}`;
}

function apiSource(version: string): string {
  return `import { createServer } from "node:http";
const port = Number(process.argv[2]);
createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(req.url === "/health" ? "ok" : ${JSON.stringify(`api ${version}`)});
}).listen(port, "127.0.0.1");
`;
}

// A fresh connection per call to api: nothing pooled survives api's restart to fail later.
function webSource(version: string, apiPort: number): string {
  return `import { createServer, get } from "node:http";
const port = Number(process.argv[2]);
const me = ${JSON.stringify(`web ${version}`)};
createServer((req, res) => {
  if (req.url === "/health") { res.writeHead(200); res.end("ok"); return; }
  const fail = (why) => { res.writeHead(502, { "content-type": "text/plain" }); res.end(me + " api unreachable: " + why); };
  const up = get("http://127.0.0.1:${apiPort}/", { agent: false, timeout: 3000 }, (r) => {
    let body = "";
    r.setEncoding("utf8");
    r.on("data", (c) => (body += c));
    r.on("end", () => { res.writeHead(200, { "content-type": "text/plain" }); res.end(me + " " + body); });
    r.on("error", (e) => fail(String(e)));
  });
  up.on("timeout", () => up.destroy(new Error("timeout")));
  up.on("error", (e) => fail(String(e)));
}).listen(port, "127.0.0.1");
`;
}

/** Writes releases OLD and NEW of both services under root; `current` → OLD. */
export function writeReleases(api: Service, web: Service): void {
  for (const version of [OLD, NEW]) {
    for (const [s, source] of [
      [api, apiSource(version)],
      [web, webSource(version, api.port)],
    ] as const) {
      const dir = join(s.dir, "releases", version);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "server.js"), source);
      writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    }
  }
  for (const s of [api, web]) symlinkSync(join("releases", OLD), join(s.dir, "current"));
}

/** What a deploy tool does: a new link renamed over `current`, then a restart. */
export async function deployRelease(s: Service, version: string): Promise<void> {
  const tmp = join(s.dir, "current.deploying");
  symlinkSync(join("releases", version), tmp);
  renameSync(tmp, join(s.dir, "current"));
  await startService(s.dir, s.port, systemClock);
}

export async function startServices(services: Service[]): Promise<void> {
  for (const s of services) await startService(s.dir, s.port, systemClock);
}

/** SIGKILLs whatever process service.pid names now (backout's restarts rewrite it). */
export function stopServices(services: Service[]): void {
  for (const s of services) stopService(s.dir);
}

/** The service's restart command for backout.yaml: the built service manager, as the demo uses it. */
export function restartCommand(s: Service): string[] {
  return [process.execPath, SERVICE_CTL, "restart", s.dir, String(s.port)];
}
