/** The demo's two services and releases, written as plain files into a temporary directory. */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface DemoService {
  name: string;
  port: number;
  dir: string;
}

function serverSource(name: string, version: string, healthy: boolean): string {
  return `import { createServer } from "node:http";
const port = Number(process.argv[2]);
createServer((req, res) => {
  if (req.url === "/health") {
    res.writeHead(${healthy ? 200 : 500}, { "content-type": "text/plain" });
    res.end(${JSON.stringify(healthy ? "ok\n" : "database schema mismatch\n")});
    return;
  }
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(${JSON.stringify(`${name} ${version}\n`)});
}).listen(port, "127.0.0.1");
`;
}

/** Releases v1.4.0 (good) and v1.5.0 (bad health) for each service; `current` → v1.4.0. */
export function writeDemoServices(root: string, services: DemoService[]): void {
  for (const s of services) {
    for (const [version, healthy] of [
      ["v1.4.0", true],
      ["v1.5.0", false],
    ] as const) {
      const dir = join(s.dir, "releases", version);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "server.js"), serverSource(s.name, version, healthy));
      writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    }
    symlinkSync(join("releases", "v1.4.0"), join(s.dir, "current"));
  }
  writeFileSync(join(root, "README.txt"), "backout demo environment; delete freely\n");
}

export function demoEnvironmentYaml(services: DemoService[], serviceCtl: string): string {
  const comps = services.map((s, i) => {
    const deps = i === 0 ? "[]" : `[${services[i - 1]?.name ?? ""}]`;
    return `  ${s.name}:
    kind: release
    dependsOn: ${deps}
    path: ${s.name}
    restart:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(serviceCtl)}, restart, ${JSON.stringify(s.dir)}, "${s.port}"]
      timeout: 10
    health:
      http: http://127.0.0.1:${s.port}/health
      retries: 20
      interval: 0.1
`;
  });
  return `# written by \`backout demo\`
version: 1
environment: demo
policies:
  concurrency: 2
  timeLimit: 2m
  retry:
    maxAttempts: 3
    initialInterval: 200ms
components:
${comps.join("")}`;
}
