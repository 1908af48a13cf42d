/**
 * serve.fourEyes holds for the CLI too (it used to bind only the API's approve): the one who
 * requested a data-loss rollback (the OS user, or `--as NAME`) cannot approve it, confirm it up
 * front with `run --confirm`, or `resume --confirm` it; another person can. Real CLI processes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readJournal } from "../e2e-validate/helpers.js";
import { readApplications, recordingComponent, writeRecordingStep } from "../fault-harness/recording-step.js";
import { cli, tempDir } from "./cli.js";

let dir: string;
const me = `${userInfo().username}@cli`;

beforeAll(async () => {
  dir = tempDir("four-eyes-cli");
  writeRecordingStep(dir);
  writeFileSync(join(dir, "state", "db"), "v1");
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: four-eyes
serve:
  fourEyes: true
components:
${recordingComponent(dir, "db", { dataLoss: true })}`,
  );
  const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir });
  expect(cp.exitCode, cp.stderr).toBe(0);
});

const deploy = (v: string) => writeFileSync(join(dir, "state", "db"), v);

async function latest(): Promise<{ id: string; state: string; planHash: string }> {
  const h = await cli(["history", "--json"], { cwd: dir });
  const list = JSON.parse(h.stdout) as { id: string; state: string; planHash: string }[];
  const first = list[0];
  if (!first) throw new Error(`no rollback: ${h.stderr}`);
  return first;
}

async function journal(id: string): Promise<{ type: string; by?: string; requestedBy?: string }[]> {
  return (await readJournal(dir, id)).map((e) => e.event);
}

describe("serve.fourEyes on the CLI", () => {
  it("the requester (OS user) cannot approve; --as another person can, and is journalled", async () => {
    deploy("v2");
    const run = await cli(["run"], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(3);
    const { id, planHash } = await latest();
    const self = await cli(["approve", id, "--plan-hash", planHash.slice(0, 12)], { cwd: dir });
    expect(self.exitCode, self.stderr).toBe(2);
    expect(self.stderr).toContain(`rollback ${id} was requested by ${me}; four-eyes needs another approver`);
    expect((await latest()).state).toBe("awaiting-confirmation");
    expect(readApplications(dir).effects.get("db") ?? []).toEqual([]);

    const other = await cli(["approve", id, "--plan-hash", planHash.slice(0, 12), "--as", "bob"], {
      cwd: dir,
    });
    expect(other.exitCode, other.stderr).toBe(0);
    expect((await latest()).state).toBe("succeeded");
    expect(readFileSync(join(dir, "state", "db"), "utf8")).toBe("v1");
    const events = await journal(id);
    expect(events.find((e) => e.type === "queued")?.requestedBy).toBe(me);
    expect(events.find((e) => e.type === "gate-approved")?.by).toBe("bob@cli");
    expect(events.find((e) => e.type === "started")?.by).toBe("bob@cli");
  }, 120_000);

  it("run --confirm (self-approval up front) is refused before anything is recorded", async () => {
    deploy("v3");
    const before = (await latest()).id;
    const plan = JSON.parse((await cli(["plan", "--json"], { cwd: dir })).stdout) as { hash: string };
    const r = await cli(["run", "--confirm", plan.hash], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain("a data-loss plan cannot be confirmed by who starts the rollback");
    expect((await latest()).id).toBe(before);
    expect(readFileSync(join(dir, "state", "db"), "utf8")).toBe("v3");
  }, 120_000);

  it("resume --confirm by the requester is refused; by someone else it runs", async () => {
    const run = await cli(["run", "--as", "carol"], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(3);
    const { id, planHash } = await latest();
    const self = await cli(["resume", id, "--confirm", planHash, "--as", "carol"], { cwd: dir });
    expect(self.exitCode, self.stderr).toBe(2);
    expect(self.stderr).toContain("four-eyes needs another approver");
    expect((await latest()).state).toBe("awaiting-confirmation");
    const other = await cli(["resume", id, "--confirm", planHash], { cwd: dir });
    expect(other.exitCode, other.stderr).toBe(0);
    expect(readFileSync(join(dir, "state", "db"), "utf8")).toBe("v1");
  }, 120_000);
});
