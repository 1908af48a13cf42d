/**
 * The program of a project that depends on the packed backout: it sees only what
 * `import ... from "backout"` gives it. Compiled there with tsc (so the shipped types are
 * checked too), then run with node; it prints one JSON line of what happened.
 */
export const CONSUMER_SOURCE = `
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BackoutError,
  ERROR_CODES,
  openBackout,
  parseEnvironment,
  version,
  z,
  type Provider,
  type ProviderContext,
} from "backout";

// A provider defined here, outside backout: a version number kept in a file.
const counterSettings = z.object({ file: z.string() });
type CounterSettings = z.infer<typeof counterSettings>;
const applied: string[] = [];

function fileOf(ctx: ProviderContext<CounterSettings>): string {
  return join(ctx.baseDir, ctx.component.settings.file);
}

const counterProvider: Provider<CounterSettings> = {
  kind: "counter",
  defaultLayer: "app",
  settingsSchema: counterSettings,
  description: "A version number kept in a file.",
  capture: async (ctx) => ({ version: readFileSync(fileOf(ctx), "utf8").trim() }),
  plan: async (_ctx, current, target) =>
    current.version === target.version
      ? []
      : [
          {
            action: "write-version",
            description: "write version " + target.version,
            target,
            params: { version: target.version },
            risk: { dataLoss: false, summary: "nothing is lost" },
            reversible: true,
          },
        ],
  apply: async (ctx, step) => {
    applied.push(ctx.component.name + ":" + String(step.params.version));
    writeFileSync(fileOf(ctx), String(step.params.version));
    return { output: "written" };
  },
  verify: async (ctx, step) => readFileSync(fileOf(ctx), "utf8").trim() === step.target.version,
};

const dir = mkdtempSync(join(tmpdir(), "backout-consumer-"));
writeFileSync(join(dir, "version.txt"), "1");
const environment = parseEnvironment(
  { version: 1, environment: "embedded", components: { counter: { kind: "counter", file: "version.txt" } } },
  { baseDir: dir, providers: [counterProvider] },
);
const backout = await openBackout(environment);
const checkpoint = await backout.checkpoint({ name: "v1", good: true });
writeFileSync(join(dir, "version.txt"), "2"); // the deploy
const plan = await backout.plan();
const outcome = await backout.run();
const after = readFileSync(join(dir, "version.txt"), "utf8");

let caughtCode: string | undefined;
try {
  await backout.resume("r-does-not-exist");
} catch (e) {
  if (e instanceof BackoutError) caughtCode = e.code;
}
let configCode: string | undefined;
let configField: string | undefined;
try {
  parseEnvironment(
    { version: 1, environment: "embedded", components: { counter: { kind: "counter" } } },
    { baseDir: dir, providers: [counterProvider] },
  );
} catch (e) {
  if (e instanceof BackoutError) {
    configCode = e.code;
    configField = JSON.stringify(e.details ?? e.where);
  }
}
await backout.close();

let deepImport = "allowed";
try {
  await import("backout/dist/core/engine.js" as string);
} catch (e) {
  deepImport = (e as { code?: string }).code ?? "refused";
}

console.log(
  JSON.stringify({
    version,
    checkpoint: checkpoint.name,
    steps: plan.steps.map((s) => s.id),
    state: outcome.state,
    after,
    applied,
    caughtCode,
    knownCode: ERROR_CODES.includes("ROLLBACK_NOT_FOUND"),
    configCode,
    configField,
    deepImport,
  }),
);
`;
