/**
 * backout.yaml for the system: edge (nginx, optional), web → api (release), config (git,
 * revert), cache (redis, `cache:*`, optional). api's compatibility rule ties it to the config
 * repository's tags. Written with the yaml package so paths need no hand quoting.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { restartCommand, type Service } from "./services.js";

export interface EnvironmentInput {
  root: string;
  api: Service;
  web: Service;
  configRepo: string;
  edgeSettings?: Record<string, unknown>;
  redisUrl?: string;
  /** Replaces api's restart command (the failure scenario uses one that always fails). */
  apiRestart?: string[];
  /** Receives the escalation summary on stdin and writes it to this file. */
  escalationFile?: string;
}

export function writeEnvironment(input: EnvironmentInput): string {
  const { api, web } = input;
  const release = (s: Service, restart: string[]) => ({
    kind: "release",
    path: s.dir,
    restart: { command: restart, timeout: 10 },
    health: { http: `http://127.0.0.1:${s.port}/health`, retries: 20, interval: 0.1, timeout: 2 },
  });
  const components: Record<string, unknown> = {};
  if (input.edgeSettings) components.edge = { kind: "nginx", ...input.edgeSettings };
  components.web = { ...release(web, restartCommand(web)), dependsOn: ["api"] };
  components.api = {
    ...release(api, input.apiRestart ?? restartCommand(api)),
    compatibility: [{ when: "<2.0.0", requires: { config: "<=v1.4" } }],
  };
  components.config = { kind: "git", repo: input.configRepo, branch: "main", strategy: "revert" };
  if (input.redisUrl) components.cache = { kind: "redis", url: input.redisUrl, patterns: ["cache:*"] };

  const policies: Record<string, unknown> = {
    concurrency: 4,
    timeLimit: "2m",
    // Quick retries keep the failure scenario short; the attempt limit is what escalates.
    retry: { maxAttempts: 2, initialInterval: "100ms", maximumInterval: "200ms" },
  };
  if (input.escalationFile) {
    policies.escalation = { command: [process.execPath, writeStdinScript(input.root), input.escalationFile] };
  }
  const file = join(input.root, "backout.yaml");
  writeFileSync(file, stringify({ version: 1, environment: "system", policies, components }));
  return file;
}

function writeStdinScript(root: string): string {
  const path = join(root, "save-stdin.cjs");
  writeFileSync(
    path,
    `const fs = require("node:fs");\nfs.writeFileSync(process.argv[2], fs.readFileSync(0));\n`,
  );
  return path;
}

/** A restart command that always fails, like a unit that cannot start. */
export function failingRestart(root: string): string[] {
  const path = join(root, "refuse-restart.cjs");
  writeFileSync(
    path,
    `process.stderr.write("api: unit is masked, refusing to start\\n");\nprocess.exit(1);\n`,
  );
  return [process.execPath, path];
}
