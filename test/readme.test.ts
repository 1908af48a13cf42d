import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { createProgram } from "../src/cli/program.js";
import type { ErrorCode } from "../src/core/errors.js";
import { loadEnvironment } from "../src/config/load.js";
import { Redactor } from "../src/config/redactor.js";
import { builtinProviders } from "../src/providers/index.js";
import { tempDir } from "./e2e/cli.js";
import { compileCacheEnv } from "./support/compile-cache-env.js";

/** The README is part of the product: its environment file example must load as written. */
describe("README", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

  it("the backout.yaml example is a valid environment file, and its secret is redacted", () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    const file = join(tempDir("readme"), "backout.yaml");
    writeFileSync(file, yaml ?? "");
    const redactor = new Redactor();
    const config = loadEnvironment(file, {
      providers: builtinProviders(),
      redactor,
      env: { PAGER_TOKEN: "pager-token-value" },
    });
    expect(config.components.map((c) => c.name)).toEqual(["web", "api", "jobs"]);
    expect(config.policies.timeLimitMs).toBe(15 * 60_000);
    expect(redactor.redact("token pager-token-value")).toBe("token ***");
  });

  it("the alert-driven rollback examples load: triggers in backout.yaml, and Alertmanager's own check", () => {
    const section = readme.slice(readme.indexOf("### Alert-driven rollback"));
    const [triggers, alertmanager] = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
    const dir = tempDir("readme-alerts");
    const file = join(dir, "backout.yaml");
    writeFileSync(
      file,
      `version: 1\nenvironment: prod\n${triggers ?? ""}watch:\n  checks: [{ command: [/bin/true] }]\n` +
        "components:\n  api: { kind: command, capture: [/bin/echo, v1], apply: [/bin/true] }\n",
    );
    const config = loadEnvironment(file, { providers: builtinProviders(), redactor: new Redactor() });
    expect(config.triggers?.map((t) => [t.name, t.action, t.match.map((m) => m.text)])).toEqual([
      ["api-errors", "rollback", ['alertname="HighErrorRate"', 'severity=~"page|critical"']],
      ["latency", "watch", ['alertname="SlowRequests"']],
    ]);
    expect(config.serve?.autoRollback).toEqual({ maxRollbacks: 3, windowMs: 3_600_000 });
    const amFile = join(dir, "alertmanager.yml");
    writeFileSync(amFile, alertmanager ?? "");
    // amtool ships with the Debian package prometheus-alertmanager (scripts/setup installs it).
    const out = execFileSync("/usr/bin/amtool", ["check-config", amFile], { encoding: "utf8" });
    expect(out).toContain("SUCCESS");
  });

  it("documents every exit code the CLI defines", async () => {
    const { EXIT } = await import("../src/cli/exit-codes.js");
    for (const code of Object.values(EXIT)) expect(readme).toMatch(new RegExp(`^\\| ${code}\\s+\\|`, "m"));
  });

  it("links only inside the repository, to documents that exist, and has no stale promises", () => {
    const repo = fileURLToPath(new URL("..", import.meta.url));
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1] ?? "");
    expect(readme).not.toContain("../shared");
    expect(readme).not.toContain("to come");
    expect(links).toContain("docs/architecture.md");
    expect(links).toContain("docs/playbooks.md");
    for (const link of links.filter((l) => !/^https?:/.test(l))) {
      expect(link.startsWith("..")).toBe(false);
      expect(() => readFileSync(join(repo, link.split("#")[0] ?? ""), "utf8")).not.toThrow();
    }
  });

  it("the quick start on your own system runs verbatim, and plan finds nothing to roll back", () => {
    const block = /### Quick start on your own system[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    // Inside the repository, so `npx backout` finds this package (built by `npm test`) and
    // never asks the registry; removed afterwards.
    const repo = fileURLToPath(new URL("..", import.meta.url));
    const dir = mkdtempSync(join(repo, ".readme-quickstart-"));
    try {
      const output = execFileSync("bash", ["-euo", "pipefail", "-c", block ?? "false"], {
        cwd: dir,
        env: { ...withoutConfig(process.env), DATABASE_URL: "", REDIS_URL: "", ...compileCacheEnv() },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(readFileSync(join(dir, "backout.yaml"), "utf8")).toContain("kind: release");
      expect(output).toMatch(/nothing to roll back|no steps/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("README service unit", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

  it.skipIf(!existsSync("/usr/bin/systemd-analyze"))(
    "the systemd unit passes systemd-analyze verify, and its stop signal reaches backout alone",
    () => {
      const unit = /A systemd unit[\s\S]*?```ini\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
      const execStart = /^ExecStart=(\S+) serve/m.exec(unit)?.[1];
      expect(execStart).toBe("/usr/local/bin/backout");
      // The installed path does not exist here: verify the same unit with the built bin in its place.
      const bin = fileURLToPath(new URL("../dist/cli-bundle/backout.js", import.meta.url));
      const file = join(tempDir("readme-unit"), "backout.service");
      writeFileSync(file, unit.replace(`ExecStart=${execStart ?? ""}`, `ExecStart=${bin}`));
      execFileSync("/usr/bin/systemd-analyze", ["verify", file], { encoding: "utf8", stdio: "pipe" });
      // Drain as documented: SIGTERM to the main process only (the steps finish), not to the steps.
      expect(unit).toMatch(/^KillMode=mixed$/m);
      expect(unit).toMatch(/^Wants=network-online.target$/m);
    },
  );
});

describe("README saved plans", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

  it("the saved-plan flow runs verbatim: plan --out, then run --plan rolls the release back", () => {
    const block = /## Saved plans[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(block).toContain("plan --out rollback.json");
    expect(block).toContain("run --plan rollback.json");
    const repo = fileURLToPath(new URL("..", import.meta.url));
    const dir = mkdtempSync(join(repo, ".readme-saved-plan-"));
    try {
      const output = execFileSync("bash", ["-euo", "pipefail", "-c", block ?? "false"], {
        cwd: dir,
        env: { ...withoutConfig(process.env), DATABASE_URL: "", REDIS_URL: "", ...compileCacheEnv() },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(output.trimEnd().split("\n").pop()).toBe("releases/v1");
      const saved = JSON.parse(readFileSync(join(dir, "rollback.json"), "utf8")) as {
        plan: { steps: unknown[] };
      };
      expect(saved.plan.steps).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function withoutConfig(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.BACKOUT_CONFIG;
  return copy;
}

/**
 * The README against the real command line, by construction: the parser main.ts runs
 * (createProgram), its help, EXIT, ERROR_EXIT, the PostgreSQL classification and the HTTP
 * statuses. A command, option, exit code or error code the README names must exist, and every
 * command and option the CLI has must be in the README.
 */
describe("README against the CLI", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const program = silenced(createProgram());
  const commands = program.commands.filter((c) => c.name() !== "help");
  const byName = new Map(commands.map((c) => [c.name(), c]));
  const longOptions = (c: Command) => c.options.map((o) => o.long).filter((l): l is string => !!l);
  const globals = longOptions(program);
  const table = section(readme, "## Commands")
    .split("\n")
    .filter((l) => l.startsWith("| `"));
  const syntaxes = table.map((l) => /^\| `([^`]+)`/.exec(l)?.[1]?.replace(/\\\|/g, "|") ?? "");

  it("the command table lists every command of `backout --help`, and no other", () => {
    const documented = new Set(syntaxes.map((s) => s.split(" ")[0]));
    expect([...documented].sort()).toEqual(commands.map((c) => c.name()).sort());
  });

  it("every option in the command table exists on its command", () => {
    for (const syntax of syntaxes) {
      const cmd = byName.get(syntax.split(" ")[0] ?? "");
      const known = [
        ...(cmd ? longOptions(cmd) : []),
        ...(cmd?.options.map((o) => o.short) ?? []),
        ...globals,
      ];
      for (const opt of syntax.match(/(?<![\w-])--?[a-z][\w-]*/g) ?? [])
        expect(known, `${syntax}: ${opt}`).toContain(opt);
    }
  });

  it("every option of every command is in its row of the table (init's: the quick start)", () => {
    const rowsOf = (name: string) =>
      table.filter((l) => l.startsWith(`| \`${name} `) || l.startsWith(`| \`${name}\``));
    const quickStart = section(readme, "### Quick start on your own system");
    const commandsText = section(readme, "## Commands");
    const missing = [program, ...commands].flatMap((c) => {
      const text =
        c === program
          ? commandsText
          : [...rowsOf(c.name()), c.name() === "init" ? quickStart : ""].join("\n");
      return longOptions(c)
        .filter((o) => o !== "--help" && o !== "--version")
        .filter((o) => !new RegExp(`${o}(?![\\w-])`).test(text))
        .map((o) => `${c.name()} ${o}`);
    });
    expect(missing).toEqual([]);
  });

  it("every `backout ...` command line in the README and docs/ parses with the real option parser", async () => {
    const docs = fileURLToPath(new URL("../docs", import.meta.url));
    const texts = [readme, ...readdirSync(docs).map((f) => readFileSync(join(docs, f), "utf8"))];
    const lines = texts.flatMap((t) => commandLines(t, new Set(byName.keys())));
    expect(lines.length).toBeGreaterThan(50);
    for (const args of lines) expect(await parseError(args), `backout ${args.join(" ")}`).toBeUndefined();
  });

  it("names exactly the Debian packages scripts/setup installs, and the npm command it runs", () => {
    const setup = readFileSync(new URL("../scripts/setup", import.meta.url), "utf8");
    const packages = /^PACKAGES=\(([^)]*)\)/m.exec(setup)?.[1]?.split(/\s+/).filter(Boolean) ?? [];
    const paragraph = /`scripts\/setup` installs[\s\S]*?\n\n/.exec(readme)?.[0] ?? "";
    const named = [...(/\(([\s\S]*?);/.exec(paragraph)?.[1] ?? "").matchAll(/`([\w.-]+)`/g)].map((m) => m[1]);
    expect(named.sort()).toEqual([...packages].sort());
    const npm = /^npm (ci|install)\b/m.exec(setup)?.[1];
    expect(paragraph).toContain(`runs \`npm ${npm ?? "?"}\``);
  });

  it("the exit-code table, `backout --help` and EXIT name the same codes with the same meaning", async () => {
    const { EXIT } = await import("../src/cli/exit-codes.js");
    const rows = new Map(
      [...section(readme, "### Exit codes").matchAll(/^\| (\d+)\s+\| (.+?)\s*\|$/gm)].map((m) => [
        Number(m[1]),
        m[2] ?? "",
      ]),
    );
    const help = program.helpInformation() + helpAfter(program);
    const helpRows = new Map(
      [...help.matchAll(/^ {2}(\d+)\s+(.+)$/gm)].map((m) => [Number(m[1]), m[2] ?? ""]),
    );
    const codes = Object.values(EXIT).sort((a, b) => a - b);
    expect([...rows.keys()]).toEqual(codes);
    expect([...helpRows.keys()]).toEqual(codes);
    // The first words of each meaning agree (help is shorter, not different).
    for (const code of codes) {
      const first = (t: string) => t.replace(/`/g, "").split(/[ ,(]/).slice(0, 2).join(" ");
      expect(first(helpRows.get(code) ?? ""), `exit ${code}`).toBe(first(rows.get(code) ?? ""));
    }
  });

  it("every error code the README names exists, with the exit code and retryability it says", async () => {
    const { ERROR_CODES } = await import("../src/core/errors.js");
    const { exitCodeForError } = await import("../src/cli/exit-codes.js");
    const { classifyPgError } = await import("../src/providers/postgres/errors.js");
    const named = new Set([...readme.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)].map((m) => m[1] ?? ""));
    const notErrors = [...named].filter((n) => !(ERROR_CODES as readonly string[]).includes(n));
    // Environment variables and SQL names the README mentions; anything else is a mistyped code.
    expect(notErrors.sort()).toEqual([...NOT_ERROR_CODES].sort());
    const pgRows = [...readme.matchAll(/^\| `(PG_[A-Z_]+)`\s*\| (.+?)\s*\| (yes|no)\s+\| (\d)\s+\|$/gm)];
    expect(pgRows.length).toBeGreaterThan(8);
    for (const [, code, states, retryable, exit] of pgRows) {
      expect(exitCodeForError(code as ErrorCode), code).toBe(Number(exit));
      const sqlStates = [...(states ?? "").matchAll(/\b(\d[0-9A-Z]{4})\b/g)].map((m) => m[1] ?? "");
      const classes = [...(states ?? "").matchAll(/(?:class |, )(\d\d) \(/g)].map((m) => `${m[1] ?? ""}000`);
      if ((states ?? "").includes("any other")) sqlStates.push("P0001");
      for (const state of [...sqlStates, ...classes]) {
        const c = classifyPgError({ code: state });
        expect([state, c.code, c.kind === "transient"]).toEqual([state, code, retryable === "yes"]);
      }
    }
  });

  it("the service's error statuses are the ones the server answers", async () => {
    const { httpStatus } = await import("../src/serve/http-errors.js");
    const errors = /\*\*Errors\*\*[\s\S]*?\n- \*\*/.exec(readme)?.[0] ?? "";
    const pairs = [...errors.matchAll(/(\d{3})\s+`([A-Z_]+)`(?: or `([A-Z_]+)`)?/g)];
    expect(pairs.length).toBeGreaterThan(4);
    for (const [, status, ...codes] of pairs)
      for (const code of codes.filter(Boolean))
        expect(httpStatus(code as ErrorCode), code).toBe(Number(status));
  });
});

/** Names in backticks that look like error codes but are variables or SQL. */
const NOT_ERROR_CODES = [
  "BACKOUT_ACTIVE_ROLLBACK",
  "BACKOUT_COMPONENT",
  "BACKOUT_CURRENT_VERSION",
  "BACKOUT_IDEMPOTENCY_KEY",
  "BACKOUT_RELEASE",
  "BACKOUT_RELEASE_PATH",
  "BACKOUT_TARGET_VERSION",
  "DBMATE_NO_DUMP_SCHEMA",
  "DBMATE_SCHEMA_FILE",
  "ERROR_CODES",
  "SQITCH_EMAIL",
  "SQITCH_FULLNAME",
  "UNDO_SQL",
];

/** From a heading to the next heading of any level. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`${heading}\n`);
  const next = text.slice(start + heading.length).search(/\n#{1,6} /);
  return next < 0 ? text.slice(start) : text.slice(start, start + heading.length + next);
}

/** Every `backout ...` line of a fenced block or an inline code span, as argv after `backout`. */
function commandLines(text: string, names: Set<string>): string[][] {
  const fenced = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? "").split("\n"));
  const inline = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? "");
  const out: string[][] = [];
  for (const raw of [...fenced, ...inline]) {
    const line = /^\s*(?:npx )?backout (.*)$/.exec(raw)?.[1];
    if (line === undefined) continue;
    // `backout status | history | show ID` lists commands; `> file` and `# note` are the shell's;
    // `[--opt X]` is optional and `md|json|html` a choice (the first is tried).
    const plain = line.replace(/\s#\s.*$/, "").replace(/\s>\s.*$/, "");
    for (const [i, part] of plain.split(" | ").entries()) {
      const args = part
        .replace(/[[\]]/g, "")
        .replace(/([\w-]+)(\|[\w-]+)+/g, "$1")
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      // The first part is always a backout command line (a mistyped command fails to parse).
      if (args[0] && (i === 0 || names.has(args[0]))) out.push(args);
    }
  }
  return out;
}

/** The program with no output and actions that do nothing, so parsing is all that happens. */
function silenced(program: Command): Command {
  const quiet = (c: Command) => {
    c.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    for (const sub of c.commands) {
      sub.action(() => undefined);
      quiet(sub);
    }
  };
  quiet(program);
  return program;
}

/** The parser's complaint about argv (undefined when it accepts it; --help is accepted). */
async function parseError(args: string[]): Promise<string | undefined> {
  try {
    await silenced(createProgram()).parseAsync(args, { from: "user" });
    return undefined;
  } catch (e) {
    if (e instanceof CommanderError && e.code.startsWith("commander.help")) return undefined;
    return e instanceof Error ? e.message : String(e);
  }
}

function helpAfter(program: Command): string {
  let text = "";
  program.configureOutput({ writeOut: (s) => (text += s), writeErr: () => undefined });
  try {
    program.outputHelp();
  } finally {
    program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  }
  return text;
}
