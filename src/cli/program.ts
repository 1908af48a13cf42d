/**
 * The `backout` command line: every command, option and help text, built by one function so
 * main.ts parses argv with it and tests check the README against the very same parser. Each
 * action imports its module only when it runs, so a command loads just what it needs (cold
 * start of `backout status` stays small).
 */
import { Command, Option } from "commander";
import { reportError } from "./output.js";
import { version } from "../version.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command declares the options it reads
type Action = (opts: any, args: string[]) => Promise<number>;

export function createProgram(): Command {
  const program = new Command("backout")
    .description(
      "Roll a running system back to a known-good checkpoint: releases, databases, configuration, " +
        "caches and traffic, in dependency order, with hard safety limits.",
    )
    .version(version)
    .addOption(
      new Option("-c, --config <file>", "environment file").env("BACKOUT_CONFIG").default("backout.yaml"),
    )
    .option("--json", "machine-readable output (one JSON document, or one JSON event per line while running)")
    .option(
      "--as <name>",
      "who you are in the journal, the checkpoint audit and for serve.fourEyes, journalled as NAME@cli (default: your user name; recorded, not authenticated; four-eyes counts NAME@cli and a token NAME@serve as one person)",
    )
    .showHelpAfterError("(run `backout --help` for the list of commands)")
    .addHelpText(
      "after",
      `
Exit codes:
  0    success
  1    the rollback failed or escalated, an operation failed, or a check said no (doctor, drill, plan --preflight, watch --no-rollback)
  2    usage or configuration error, or a plan that cannot succeed (nothing was changed)
  3    the rollback awaits confirmation of a data-loss step (backout approve ID --plan-hash HASH)
  4    the environment is busy (--no-wait), an interrupted rollback must be resumed first, or the lock was lost
  5    the rollback's time limit passed (the emergency procedure ran)
  6    watch: the analysis failed and the automatic rollback succeeded
  7    watch: the analysis was inconclusive (nothing was changed)
  130  stopped by Ctrl-C, or paused by a blind monitor (resume with backout resume ID)`,
    )
    .exitOverride();

  function action(load: () => Promise<{ default: Action }>) {
    return async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const opts: Record<string, unknown> = { ...program.opts(), ...cmd.opts() };
      const positional = cmd.args;
      try {
        const mod = await load();
        process.exitCode = await mod.default(opts, positional);
      } catch (e) {
        process.exitCode = reportError(e, Boolean(opts.json));
      }
    };
  }

  const list = (v: string, prev: string[] = []) => [
    ...prev,
    ...v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];

  program
    .command("checkpoint")
    .description("record the current state of every component")
    .option("-n, --name <name>", "checkpoint name (default: its id)")
    .option("--good", "mark it good at once (a rollback target)")
    .option(
      "--allow-partial",
      "record the components that can be read even if some cannot (recorded; plans that need a missing one are refused)",
    )
    .action(action(() => import("./commands/checkpoint.js")));

  program
    .command("mark-good")
    .description("mark a checkpoint good: a rollback target (the default when it is the newest good one)")
    .argument("<checkpoint>", "checkpoint id or name")
    .action(action(() => import("./commands/mark-good.js")));

  program
    .command("unmark-good")
    .description("take the good mark away from a checkpoint (it stays, and --to still reaches it)")
    .argument("<checkpoint>", "checkpoint id or name")
    .action(action(() => import("./commands/unmark-good.js")));

  program
    .command("checkpoints")
    .description(
      "list checkpoints, newest first; with one, show it and its audit: who took, marked and unmarked it, when, through what",
    )
    .argument("[checkpoint]", "checkpoint id or name to show")
    .option("--limit <n>", "how many", "20")
    .action(action(() => import("./commands/checkpoints.js")));

  const scopeOptions = (c: Command) =>
    c
      .option("--to <checkpoint>", "target checkpoint id or name (default: the last good one)")
      .option("--only <components>", "roll back only these (comma-separated), plus what they need", list)
      .option("--except <components>", "roll back everything but these (comma-separated)", list);

  scopeOptions(
    program
      .command("plan")
      .description("show what a rollback would do, in what order, with what risk (changes nothing)"),
  )
    .option(
      "--preflight",
      "also run `backout doctor`'s checks and name the steps a failing one would break (exit 1 then)",
    )
    .option(
      "--out <file>",
      "also save the complete plan (secrets redacted) to this file, for `backout run --plan FILE`",
    )
    .option("--force", "with --out: replace the file if it exists")
    .action(action(() => import("./commands/plan.js")));

  scopeOptions(program.command("run").description("roll back to the last good checkpoint (or --to)"))
    .option("--no-wait", "refuse (exit 4) instead of queueing when another rollback holds the environment")
    .option("--confirm <plan-hash>", "confirm the data-loss steps of exactly this plan (see `backout plan`)")
    .option(
      "--plan <file>",
      "run exactly the plan saved by `backout plan --out FILE`; refused (PLAN_DRIFTED) if a component is no longer in the state the plan starts from",
    )
    .action(action(() => import("./commands/run.js")));

  program
    .command("resume")
    .description("continue an interrupted rollback (after a crash, Ctrl-C or an approval)")
    .argument("[id]", "rollback id (default: the one interrupted rollback)")
    .option("--confirm <plan-hash>", "confirm the data-loss steps of this rollback's plan")
    .option("--no-wait", "refuse instead of queueing when the environment is busy")
    .action(action(() => import("./commands/resume.js")));

  program
    .command("approve")
    .description("confirm the data-loss steps of a rollback awaiting confirmation, then continue it")
    .argument("<id>", "rollback id")
    .option("--plan-hash <hash>", "the plan hash you reviewed (required without a terminal)")
    .option("--no-resume", "only record the approval; continue later with `backout resume`")
    .action(action(() => import("./commands/approve.js")));

  program
    .command("cancel")
    .description("end a queued, waiting or interrupted rollback and free the environment")
    .argument("<id>", "rollback id")
    .action(action(() => import("./commands/cancel.js")));

  program
    .command("watch")
    .description(
      "analyse the system after a deploy; roll back on its own if the analysis fails, mark it good if it passes",
    )
    .option("-n, --name <name>", "name of the checkpoint taken when the analysis passes")
    .option("--no-rollback", "only report a failed analysis (exit 1); do not roll back")
    .action(action(() => import("./commands/watch.js")));

  const collect = (v: string, prev: string[] = []) => [...prev, v];

  program
    .command("init")
    .description(
      "write a starter backout.yaml (and its JSON Schema) for the system found here; asks for what it cannot detect, or --yes with flags",
    )
    .option("-y, --yes", "ask nothing: use the flags and what is detected (for scripts)")
    .option("--force", "replace an existing backout.yaml / schema / non-backout include")
    .option("--environment <name>", "environment name (default: production)")
    .option(
      "--release <dir>",
      "a release root (releases/ + current symlink); repeatable; default: found here",
      collect,
    )
    .option("--health <url>", "health URL of the (single) release component")
    .option("--postgres <url>", "PostgreSQL URL (default: $DATABASE_URL); a password goes to $DB_PASSWORD")
    .option("--migrations <dir>", "migrations directory (default: db/migrations, migrations, ... found here)")
    .option(
      "--format <tool>",
      "dbmate | golang-migrate | node-pg-migrate | sqitch | flyway (default: detected)",
    )
    .option("--nginx-config <file>", "nginx.conf (default: /etc/nginx/nginx.conf when present)")
    .option(
      "--nginx-include <file>",
      "the include backout owns (default: backout/edge.conf beside nginx.conf)",
    )
    .option("--upstream <name>", "upstream name backout writes (default: app_pool)")
    .option(
      "--pool <name=host:port,...>",
      "an nginx pool; repeatable; the first is written as active",
      collect,
    )
    .option("--probe <url>", "URL answering through nginx")
    .option("--pool-header <name>", "response header carrying $backout_pool (e.g. X-Backout-Pool)")
    .option("--haproxy-socket <path>", "HAProxy admin socket (default: /run/haproxy/admin.sock when present)")
    .option("--haproxy-backend <name>", "HAProxy backend to manage")
    .option("--git <dir>", "a git configuration repository; repeatable", collect)
    .option("--redis <url>", "Redis URL (default: $REDIS_URL); a password goes to $REDIS_PASSWORD")
    .option("--redis-pattern <glob>", "keys to delete on rollback; repeatable (default: cache:*)", collect)
    .action(action(() => import("./commands/init.js")));

  program
    .command("doctor")
    .description(
      "check everything a rollback will need, per component (reachable, rights, nginx -t, clean repos, slots...) and for the environment (store, drills, checks answering): one line per check with its fix; exit 1 if any fails",
    )
    .action(action(() => import("./commands/doctor.js")));

  program
    .command("status")
    .description("lock, queue, interrupted rollbacks, the latest rollback and the last good checkpoint")
    .action(action(() => import("./commands/status.js")));

  program
    .command("serve")
    .description(
      "serve the HTTP API (/api/v1, /metrics) on the same store, lock and journal as the CLI, until SIGTERM (drains; a second one cancels running steps)",
    )
    .option("--listen <host:port>", "address to listen on (default serve.listen, else 127.0.0.1:8080)")
    .option(
      "--insecure-listen",
      "allow plain HTTP on a non-loopback address (tokens then cross the network in clear text)",
    )
    .action(action(() => import("./commands/serve.js")));

  program
    .command("history")
    .description("list rollbacks, newest first")
    .option("--limit <n>", "how many", "20")
    .action(action(() => import("./commands/history.js")));

  program
    .command("show")
    .description("one rollback: its plan, steps, attempts and decisions")
    .argument("<id>", "rollback id")
    .action(action(() => import("./commands/show.js")));

  program
    .command("report")
    .description("the report of a rollback, built from its journal")
    .argument("<id>", "rollback id")
    .addOption(new Option("--format <format>", "report format").choices(["md", "json", "html"]).default("md"))
    .option("-o, --output <file>", "write to a file instead of standard output")
    .action(action(() => import("./commands/report.js")));

  program
    .command("drill")
    .description(
      "prove the database rollback: pending migrations up, down and up again on a scratch copy; with --restore, restore-and-replay to a checkpoint on a scratch database (exit 1 if not clean)",
    )
    .option("--component <name>", "drill only this postgres component")
    .option(
      "--restore",
      "drill restore-and-replay instead: restore the checkpoint's dump into a scratch database, replay a copy of the writes since (the slot is only read), check the invariant and the schema, and time it",
    )
    .option("--to <checkpoint>", "--restore: the checkpoint (id or name; default: the last good one)")
    .option(
      "--sample-rows <n>",
      "rows per table copied when the template copy is refused (other sessions connected)",
      "1000",
    )
    .option("--sample", "always copy the schema plus sampled rows, never CREATE DATABASE ... TEMPLATE")
    .option("--pg-bin <dir>", "directory of pg_dump/pg_restore (default: PATH, or $BACKOUT_PG_BIN)")
    .action(action(() => import("./commands/drill.js")));

  program
    .command("archive")
    .description(
      "data a rollback archived under the `archive` data-loss policy, and writes a replay could not put back (replay_unmapped): list, show, restore; prune (remove the pre-rollback databases and data directories a restore kept)",
    )
    .argument("<action>", "list | show | restore | prune")
    .argument("[archive]", "archive table name (show, restore), or replay_unmapped (show)")
    .option("--component <name>", "the postgres component (when there are several)")
    .option(
      "--rollback <id>",
      "list, show replay_unmapped: only this rollback's; prune: only this rollback's kept copies (id or prefix)",
    )
    .option("--older-than <duration>", "prune: only copies kept longer than this (e.g. 7d)")
    .option("--dry-run", "prune: list what would be removed, remove nothing")
    .option("--into-table <table>", "restore: into this table ([schema.]table) instead of the source")
    .option("--force", "restore: again, although already restored")
    .option("--limit <n>", "show: how many rows", "10")
    .action(action(() => import("./commands/archive.js")));

  program
    .command("schema")
    .description(
      "print the JSON Schema of backout.yaml (for editor completion), or with KIND of one kind's settings",
    )
    .argument("[kind]", "a component kind (release, postgres, nginx, ...): only its settings")
    .action(action(() => import("./commands/schema.js")));

  program
    .command("demo")
    .description("a self-contained rollback of two HTTP services after a bad deploy (needs only Node)")
    .option("--keep", "keep the demo directory instead of deleting it")
    .action(action(() => import("./commands/demo.js")));

  return program;
}
