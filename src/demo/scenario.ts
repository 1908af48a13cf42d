/**
 * `backout demo`: two HTTP services with releases, a checkpoint, a bad deploy whose health
 * check fails, then the rollback with live progress and the report. Needs only Node; leaves
 * nothing running.
 */
import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadEnvironment } from "../config/load.js";
import type { Redactor } from "../config/redactor.js";
import type { Clock } from "../core/clock.js";
import { Engine } from "../core/engine.js";
import { runRollback } from "../core/rollbacks.js";
import { builtinProviders } from "../providers/builtin.js";
import { foldJournal } from "../report/fold-journal.js";
import { renderMarkdownReport } from "../report/markdown-report.js";
import { freePort } from "../process/free-port.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { createProgressRenderer, type ProgressRenderer } from "../cli/progress/index.js";
import { demoEnvironmentYaml, writeDemoServices, type DemoService } from "./demo-files.js";
import { probeService } from "./probe.js";
import { startService, stopService } from "./service-manager.js";

export interface DemoOptions {
  keep: boolean;
  redactor: Redactor;
  print: (text: string) => void;
  /** Times the demo, its probes and its engine. */
  clock: Clock;
}

/** Swaps `current` the way a deploy tool would, then restarts the service. */
async function deploy(s: DemoService, version: string, clock: Clock): Promise<void> {
  const tmp = join(s.dir, "current.deploying");
  symlinkSync(join("releases", version), tmp);
  renameSync(tmp, join(s.dir, "current"));
  await startService(s.dir, s.port, clock);
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const { print, clock } = options;
  const t0 = clock.now();
  const root = mkdtempSync(join(tmpdir(), "backout-demo-"));
  const services: DemoService[] = [];
  for (const name of ["api", "web"]) services.push({ name, port: await freePort(), dir: join(root, name) });
  const serviceCtl = fileURLToPath(new URL("./service-ctl.js", import.meta.url));
  let engine: Engine | undefined;
  try {
    writeDemoServices(root, services);
    const file = join(root, "backout.yaml");
    writeFileSync(file, demoEnvironmentYaml(services, serviceCtl));
    print(`== 1. two services on release v1.4.0 (web depends on api), in ${root}`);
    for (const s of services) await startService(s.dir, s.port, clock);
    for (const s of services) print(`   ${await probeService(s, clock)}`);

    const providers = builtinProviders();
    const config = loadEnvironment(file, { providers, redactor: options.redactor });
    engine = new Engine({
      config,
      store: openSqliteStore(config.store.path),
      providers,
      redactor: options.redactor,
      clock,
    });
    const cp = await engine.checkpoint({ name: "before-v1.5.0", good: true });
    print(`\n== 2. backout checkpoint --name ${cp.name} --good  → ${cp.id}`);

    print("\n== 3. deploy v1.5.0 of both services (with any tool), then its health check:");
    for (const s of services) await deploy(s, "v1.5.0", clock);
    for (const s of services) print(`   ${await probeService(s, clock)}`);
    print("   the deploy is bad.");

    print("\n== 4. backout run  (roll back to the last good checkpoint; dependents first)");
    let renderer: ProgressRenderer | undefined;
    const outcome = await runRollback(
      engine,
      {},
      {
        onCreated: (_id, plan) => {
          renderer = createProgressRenderer(process.stdout.isTTY ? "tty" : "lines", process.stdout, plan, {
            maxAttempts: config.policies.retry.maxAttempts,
          });
        },
        listeners: [(e) => renderer?.onEvent(e)],
      },
    );
    await renderer?.close();
    print(`   rollback ${outcome.rollbackId}: ${outcome.state}`);
    for (const s of services) print(`   ${await probeService(s, clock)}`);

    print(`\n== 5. backout report ${outcome.rollbackId}\n`);
    const entries = await engine.store.readJournal(outcome.rollbackId);
    print(renderMarkdownReport(foldJournal(outcome.rollbackId, entries), entries));
    print(
      `\ndemo finished in ${((clock.now() - t0) / 1000).toFixed(1)} s; services stopped${options.keep ? `; files kept in ${root}` : ", files removed"}.`,
    );
    return outcome.state === "succeeded" ? 0 : 1;
  } finally {
    for (const s of services) stopService(s.dir);
    await engine?.close();
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  }
}
