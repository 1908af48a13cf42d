import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempDir, writeStepScripts } from "./cli.js";

const SECRET = "hunter2-Sup3rS3cret-token";

/** Every byte under a directory, so a secret in the SQLite file or its WAL is found too. */
function allBytes(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += readFileSync(join(entry.parentPath, entry.name)).toString("latin1");
  }
  return text;
}

describe("secrets never appear in output, logs, journal rows or reports", () => {
  it("a secret from the environment, echoed by the tools backout runs, is redacted everywhere", async () => {
    const dir = tempDir("secrets");
    writeStepScripts(dir);
    writeFileSync(join(dir, "state", "api"), "v1");
    // A step that prints the secret and fails once, so it reaches error messages and the journal.
    const leaky = join(dir, "leaky.mjs");
    writeFileSync(
      leaky,
      `import { existsSync, writeFileSync } from "node:fs";
const flag = process.argv[2] + ".failed-once";
console.log("using token " + process.env.API_TOKEN + " arg " + process.argv[3]);
if (!existsSync(flag)) { writeFileSync(flag, ""); console.error("auth failed for " + process.env.API_TOKEN); process.exit(1); }
writeFileSync(process.argv[4], process.argv[5]);
`,
    );
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: secrets
policies:
  retry: { initialInterval: 10ms }
components:
  api:
    kind: command
    capture: ["/bin/cat", ${JSON.stringify(join(dir, "state", "api"))}]
    apply: [${JSON.stringify(process.execPath)}, ${JSON.stringify(leaky)}, ${JSON.stringify(join(dir, "flag"))}, "\${API_TOKEN}", ${JSON.stringify(join(dir, "state", "api"))}, "{{target}}"]
    env:
      API_TOKEN: "\${API_TOKEN}"
`,
    );
    const env = { API_TOKEN: SECRET };
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const r = await cli(args, { cwd: dir, env });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    expect((await run(["checkpoint", "--good", "--name", "before"])).exitCode).toBe(0);
    writeFileSync(join(dir, "state", "api"), "v2");
    await run(["plan"]);
    await run(["plan", "--json"]);
    const r = await run(["run", "--json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const id = (JSON.parse((await run(["history", "--json"])).stdout) as { id: string }[])[0]?.id ?? "";
    await run(["show", id]);
    await run(["show", id, "--json"]);
    await run(["status"]);
    await run(["checkpoints", "--json"]);
    await run(["report", id]);
    await run(["report", id, "--format", "json"]);
    await run(["report", id, "--output", join(dir, "report.md")]);

    // The step really ran with the secret (the state changed, the command saw the token)...
    expect(readFileSync(join(dir, "state", "api"), "utf8")).toBe("v1");
    const everything = outputs.join("\n");
    expect(everything).toContain("using token ***");
    // ...and the secret is nowhere: not in any output, nor in the store, its WAL, or the report file.
    expect(everything).not.toContain(SECRET);
    expect(allBytes(join(dir, ".backout"))).not.toContain(SECRET);
    expect(readFileSync(join(dir, "report.md"), "utf8")).not.toContain(SECRET);
  });
});
