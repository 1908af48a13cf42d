import { describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/core/journal-events.js";
import { foldJournal } from "../../src/report/fold-journal.js";
import { renderMarkdownReport } from "../../src/report/markdown-report.js";
import {
  cutOffJournal,
  escalationJournal,
  gateJournal,
  makePlan,
  ROLLBACK_ID,
  startedJournal,
  successJournal,
  T0,
} from "./journal-fixtures.js";

function render(entries: JournalEntry[]): string {
  return renderMarkdownReport(foldJournal(ROLLBACK_ID, entries), entries);
}

/** The lines of one "## " section, without its heading. */
function section(md: string, title: string): string[] {
  const lines = md.split("\n");
  const start = lines.indexOf(`## ${title}`);
  if (start < 0) return [];
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith("## "));
  return (end < 0 ? rest : rest.slice(0, end)).filter((l) => l !== "");
}

describe("renderMarkdownReport", () => {
  it("renders a successful run", () => {
    const md = render(successJournal().entries);
    expect(md.startsWith(`# Rollback ${ROLLBACK_ID}: succeeded\n`)).toBe(true);
    expect(section(md, "Summary")).toEqual([
      "| Field | Value |",
      "| --- | --- |",
      "| Environment | production |",
      "| Checkpoint | before-v2.1.0 (`cp-7f3a`, taken 2025-01-15T09:00:00.000Z) |",
      `| Plan hash | \`${"a1b2c3d4e5f6".padEnd(64, "9")}\` |`,
      "| Requested by | alice |",
      "| Queued | 2025-01-15T10:00:00.000Z |",
      "| Started | 2025-01-15T10:00:00.050Z |",
      "| Deadline | 2025-01-15T10:15:00.050Z |",
      "| Finished | 2025-01-15T10:00:01.540Z |",
      "| Duration | 1.5 s |",
      "| Result | succeeded |",
    ]);
    expect(section(md, "Steps")).toEqual([
      "| Step | Component | Action | Status | Attempts | Duration | Last error |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      "| `api#1:switch-release` | api | switch-release | succeeded | 1 | 212 ms | — |",
      "| `api#2:restart` | api | restart | succeeded | 1 | 1 s | — |",
      "| `db#1:migrate-down` | db | migrate-down | succeeded | 1 | 200 ms | — |",
    ]);
    expect(md).not.toContain("## Gate decisions");
    expect(md).not.toContain("## Escalation");
    expect(md).not.toContain("## Emergency procedure");
    expect(section(md, "Timeline")).toEqual([
      "Offsets from the start (2025-01-15T10:00:00.050Z).",
      "```text",
      "-0.050s queued plan a1b2c3d4e5f6: 3 steps across 2 components, requested by alice",
      "+0.000s started by deploy-1 pid 4242 (epoch 1), deadline 2025-01-15T10:15:00.050Z",
      "+0.050s step-started api#1:switch-release (attempt 1)",
      "+0.262s step-succeeded api#1:switch-release (attempt 1, 212 ms)",
      "+0.270s step-started api#2:restart (attempt 1)",
      "+1.270s step-succeeded api#2:restart (attempt 1, 1 s)",
      "+1.280s step-started db#1:migrate-down (attempt 1)",
      "+1.480s step-succeeded db#1:migrate-down (attempt 1, 200 ms)",
      "+1.490s finished succeeded",
      "```",
    ]);
    expect(section(md, "Post-mortem")).toEqual([
      "- **Impact window:** from the deploy that followed checkpoint before-v2.1.0 (taken 2025-01-15T09:00:00.000Z) until the rollback finished at 2025-01-15T10:00:01.540Z. _Narrow it to the first user-visible error._",
      "- **Trigger:** rollback requested by alice at 2025-01-15T10:00:00.000Z. _Add the alert or observation that led to it._",
      "- **What was rolled back:**",
      "  - api (release): 20250115-0930 → 20250110-1200",
      "  - db (postgres): 42 → 41, pulled in: api@20250110-1200 requires db <=41",
      "- **Root cause:** _to fill in_",
      "- **Action items:** _to fill in_",
    ]);
  });

  it("renders failed attempts and the escalation", () => {
    const md = render(escalationJournal().entries);
    expect(md.startsWith(`# Rollback ${ROLLBACK_ID}: escalated\n`)).toBe(true);
    expect(section(md, "Summary")).toContain("| Result | escalated: api#1:switch-release failed 3 times |");
    expect(section(md, "Steps")).toEqual([
      "| Step | Component | Action | Status | Attempts | Duration | Last error |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      "| `api#1:switch-release` | api | switch-release | failed | 3 | 750 ms | COMMAND_FAILED: ln exited with code 1 (attempt 3) |",
      "| `api#2:restart` | api | restart | pending | 0 | — | — |",
      "| `db#1:migrate-down` | db | migrate-down | pending | 0 | — | — |",
      "### Attempts",
      "- `api#1:switch-release` attempt 1 at 2025-01-15T10:00:00.100Z: failed after 300 ms: COMMAND_FAILED: ln exited with code 1 (attempt 1)",
      "- `api#1:switch-release` attempt 2 at 2025-01-15T10:00:01.400Z: failed after 250 ms: COMMAND_FAILED: ln exited with code 1 (attempt 2)",
      "- `api#1:switch-release` attempt 3 at 2025-01-15T10:00:03.650Z: failed after 200 ms: COMMAND_FAILED: ln exited with code 1 (attempt 3)",
    ]);
    expect(section(md, "Escalation")).toEqual([
      "- **When:** 2025-01-15T10:00:03.860Z",
      "- **Reason:** api#1:switch-release failed 3 times",
      "- **Failed steps:** `api#1:switch-release`",
      "- **Done:** none",
      "- **Not done:** `api#1:switch-release`, `api#2:restart`, `db#1:migrate-down`",
      "- **Escalation channel:** notified",
    ]);
    expect(section(md, "Post-mortem")).toContain(
      "  - api (release): 20250115-0930 → 20250110-1200 — not completed",
    );
  });

  it("renders the gate wait and its decision", () => {
    const { plan, entries } = gateJournal();
    const waiting = render(entries.slice(0, 7));
    expect(section(waiting, "Gate decisions")).toEqual([
      "The plan may lose data, so its data-loss steps needed a confirmation of this exact plan.",
      "Waiting for confirmation since 2025-01-15T10:00:00.820Z for `db#1:migrate-down`.",
      "No decision recorded.",
    ]);

    const md = render(entries);
    expect(section(md, "Gate decisions")).toEqual([
      "The plan may lose data, so its data-loss steps needed a confirmation of this exact plan.",
      "| Time | Decision | By | Via | Plan hash | Reason |",
      "| --- | --- | --- | --- | --- | --- |",
      `| 2025-01-15T10:01:00.820Z | approved | bob | approve | \`${plan.hash}\` | — |`,
    ]);
    expect(md).toContain("+60.770s gate-approved plan d4f100000000 approved by bob via approve\n");
    expect(section(md, "Summary")).toContain("| Duration | 1 min 1 s |");
  });

  it("renders a journal cut off mid-step", () => {
    const md = render(cutOffJournal().entries);
    expect(md.startsWith(`# Rollback ${ROLLBACK_ID}: running\n`)).toBe(true);
    expect(section(md, "Summary")).toContain("| Finished | not finished |");
    expect(section(md, "Summary")).toContain("| Interrupted steps | `api#2:restart` |");
    expect(section(md, "Steps")).toContain("| `api#2:restart` | api | restart | running | 1 | — | — |");
    expect(md).toContain("- **Impact window:** from the deploy that followed checkpoint before-v2.1.0");
    expect(md).toContain("until the rollback finished at (not finished).");
  });

  it("renders the deadline and the emergency procedure, escaping table cells", () => {
    const j = startedJournal(makePlan())
      .add(100, { type: "step-started", stepId: "api#1:switch-release", attempt: 1 })
      .add(900_050, { type: "deadline-passed", deadlineAt: T0 + 900_050 })
      .add(900_060, {
        type: "step-cancelled",
        stepId: "api#1:switch-release",
        attempt: 1,
        reason: "deadline passed | killed\nby the engine",
      })
      .add(900_070, { type: "emergency-started", steps: ["maintenance-page", "page-oncall"] })
      .add(900_570, { type: "emergency-step", name: "maintenance-page", ok: true })
      .add(900_800, {
        type: "emergency-step",
        name: "page-oncall",
        ok: false,
        error: { code: "COMMAND_FAILED", message: "pager returned 503", retryable: true },
      })
      .add(900_810, { type: "emergency-finished" })
      .add(900_820, { type: "finished", state: "timed-out", reason: "time limit of 15 min passed" });
    const md = render(j.entries);
    expect(section(md, "Summary")).toContain(
      "| Deadline | 2025-01-15T10:15:00.050Z (passed at 2025-01-15T10:15:00.050Z) |",
    );
    expect(section(md, "Steps")).toContain(
      "| `api#1:switch-release` | api | switch-release | cancelled | 1 | 15 min 0 s | cancelled: deadline passed \\| killed by the engine |",
    );
    expect(section(md, "Emergency procedure")).toEqual([
      "Started at 2025-01-15T10:15:00.070Z; planned: maintenance-page, page-oncall.",
      "- maintenance-page (2025-01-15T10:15:00.570Z): ok",
      "- page-oncall (2025-01-15T10:15:00.800Z): failed: COMMAND_FAILED: pager returned 503",
      "Finished at 2025-01-15T10:15:00.810Z.",
    ]);
    expect(md).toContain("+900.000s deadline-passed deadline 2025-01-15T10:15:00.050Z passed\n");
  });

  it("never prints environment variables", () => {
    process.env.BACKOUT_TEST_SECRET = "s3cr3t-value-do-not-print";
    try {
      expect(render(successJournal().entries)).not.toContain("s3cr3t-value-do-not-print");
    } finally {
      delete process.env.BACKOUT_TEST_SECRET;
    }
  });
});
