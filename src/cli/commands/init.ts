/**
 * `backout init`: a starter backout.yaml for the system it finds, with the JSON Schema next to
 * it for editor completion. Asks on a terminal for what it cannot detect; `--yes` takes flags
 * and detection only (for scripts). Never overwrites a file without `--force`.
 */
import { writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { environmentJsonSchema } from "../../config/json-schema.js";
import { BackoutError } from "../../core/errors.js";
import { builtinProviders } from "../../providers/builtin.js";
import { defaultsAsker, terminalAsker } from "../init/ask.js";
import { gatherAnswers, type InitFlags } from "../init/answers.js";
import { renderConfig } from "../init/render.js";
import { refuseExisting, writeCheckedConfig, writeInclude } from "../init/write-files.js";
import type { GlobalOptions } from "../context.js";
import { err, out, outJson } from "../output.js";

export interface InitOptions extends GlobalOptions, InitFlags {
  yes?: boolean;
  force?: boolean;
}

/** A password in a URL goes to an environment variable: the file can be committed. */
function passwordToVariable(url: string, variable: string, env: NodeJS.ProcessEnv, notes: string[]): string {
  if (!URL.canParse(url)) return url;
  const u = new URL(url);
  if (u.password === "") return url;
  env[variable] = decodeURIComponent(u.password);
  notes.push(
    `The password of ${u.host} is read from $${variable}: export ${variable}=... before running backout.`,
  );
  return url.replace(`:${u.password}@`, `:\${${variable}}@`);
}

export default async function init(opts: InitOptions): Promise<number> {
  const file = resolve(opts.config);
  const baseDir = dirname(file);
  const schemaName = `${basename(file).replace(/\.ya?ml$/, "")}.schema.json`;
  const schemaFile = resolve(baseDir, schemaName);
  refuseExisting([file, schemaFile], Boolean(opts.force));
  const interactive = !opts.yes && process.stdin.isTTY && process.stderr.isTTY;
  if (!opts.yes && !interactive) {
    throw new BackoutError("USAGE", "init asks questions, and there is no terminal to ask on", {
      hint: "Run it in a terminal, or pass --yes with flags for what it cannot detect (see `backout init --help`).",
    });
  }
  const asker = interactive ? terminalAsker() : defaultsAsker;
  let answers;
  try {
    answers = await gatherAnswers(opts, baseDir, asker);
  } finally {
    asker.close();
  }
  answers.schemaFile = `./${schemaName}`;
  const notes: string[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (answers.postgres)
    answers.postgres.url = passwordToVariable(answers.postgres.url, "DB_PASSWORD", env, notes);
  if (answers.redis) answers.redis.url = passwordToVariable(answers.redis.url, "REDIS_PASSWORD", env, notes);

  const providers = builtinProviders();
  const text = renderConfig(answers);
  const include = answers.nginx ? writeInclude(baseDir, answers.nginx, Boolean(opts.force)) : undefined;
  writeCheckedConfig(file, text, providers, env);
  writeFileSync(schemaFile, `${JSON.stringify(environmentJsonSchema(providers), null, 2)}\n`);

  const components = [
    ...(answers.nginx ? ["edge (nginx)"] : []),
    ...(answers.haproxy ? ["lb (haproxy)"] : []),
    ...answers.releases.map((r) => `${r.name} (release)`),
    ...(answers.postgres ? [`db (postgres, ${answers.postgres.format})`] : []),
    ...answers.git.map((g) => `${g.name} (git)`),
    ...(answers.redis ? ["cache (redis)"] : []),
  ];
  if (answers.nginx) {
    const n = answers.nginx;
    const includeAbs = resolve(baseDir, n.include);
    notes.push(
      `nginx: ${include === "written" ? "wrote" : "kept"} ${includeAbs}. Add these two lines to ${resolve(baseDir, n.config)} (see docs/nginx.md):\n` +
        `    include ${includeAbs};                    # inside http {}\n` +
        `    if ($backout_maintenance) { return 503; }  # inside the server {} that proxies to http://${n.upstream}`,
    );
  }
  if (opts.json) {
    outJson({
      file,
      schema: schemaFile,
      components,
      notes,
      ...(include ? { include: resolve(baseDir, answers.nginx?.include ?? "") } : {}),
    });
    return 0;
  }
  out(
    `wrote ${file} (${components.length} component(s): ${components.join(", ") || "none"}) and ${schemaFile}`,
  );
  for (const n of notes) err(n);
  err("next: `backout doctor`, then `backout checkpoint --name before-next-deploy --good`.");
  return 0;
}
