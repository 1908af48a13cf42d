import { describe, expect, it } from "vitest";
import { cli } from "./cli.js";
import { environment, JOURNAL_WRITES, killAtEveryJournalWrite } from "./crash-resume-env.js";

describe("SIGKILL of backout run before a journal write, then resume (real processes)", () => {
  killAtEveryJournalWrite("before");

  it("a run without a kill point writes exactly the journal the kill points cover", async () => {
    const dir = await environment();
    const r = await cli(["run", "--json"], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split("\n")
      .filter((l) => l.includes('"event"'));
    expect(events.length + 1).toBe(JOURNAL_WRITES); // + the queued event written with the rollback
  });
});
