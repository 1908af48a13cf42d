import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ProviderContext } from "../../../src/core/provider.js";
import { commandProvider, type CommandSettings } from "../../../src/providers/command/index.js";
import { contextFor } from "../context.js";
import { writeTool } from "../fixtures.js";

export interface CommandFixture {
  ctx: ProviderContext<CommandSettings>;
  state: string;
  records: string;
  tool: string;
}

/**
 * A "deployed thing" whose version lives in a state file, driven by the tool script:
 * capture = get, apply = set {{target}}; `settings` overrides any of it.
 */
export function commandFixture(
  dir: string,
  version: string,
  settings: Record<string, unknown> = {},
  env: Record<string, string> = {},
): CommandFixture {
  const tool = writeTool(dir);
  const state = join(dir, "state.txt");
  const records = join(dir, "records.jsonl");
  writeFileSync(state, version);
  const ctx = contextFor(commandProvider, {
    name: "svc",
    baseDir: dir,
    settings: {
      capture: [process.execPath, tool, "get", state],
      apply: [process.execPath, tool, "set", state, "{{target}}"],
      ...settings,
    },
    env: { ...process.env, RECORD_FILE: records, ...env },
  });
  return { ctx, state, records, tool };
}
