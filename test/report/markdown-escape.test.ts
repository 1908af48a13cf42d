/**
 * Step output and error messages are what the commands backout ran printed: a Markdown report
 * must not pass their HTML (`<script>`, `<img onerror>`) or terminal escapes through.
 */
import { describe, expect, it } from "vitest";
import { foldJournal } from "../../src/report/fold-journal.js";
import { renderMarkdownReport } from "../../src/report/markdown-report.js";
import { commandError, makePlan, ROLLBACK_ID, startedJournal } from "./journal-fixtures.js";

const SCRIPT = "<script>alert('x')</script>";
const IMG = '<img src=x onerror="alert(1)">';
const RED = "\u001b[31mred\u001b[0m \u001b]8;;http://evil.example\u0007link\u001b]8;;\u0007";

describe("Markdown report escaping", () => {
  it("escapes HTML and strips ANSI escapes from step output, errors and reasons", () => {
    const plan = makePlan();
    const entries = startedJournal(plan)
      .add(100, { type: "step-started", stepId: "api#1:switch-release", attempt: 1 })
      .add(200, {
        type: "step-failed",
        stepId: "api#1:switch-release",
        attempt: 1,
        durationMs: 100,
        error: commandError(`restart said ${IMG} ${RED}`),
        willRetry: true,
        retryInMs: 10,
      })
      .add(300, { type: "step-started", stepId: "api#1:switch-release", attempt: 2 })
      .add(400, {
        type: "step-succeeded",
        stepId: "api#1:switch-release",
        attempt: 2,
        durationMs: 100,
        output: `${SCRIPT}\n${RED}\n${IMG}`,
      })
      .add(500, { type: "finished", state: "failed", reason: `validation ${SCRIPT}` }).entries;
    const md = renderMarkdownReport(foldJournal(ROLLBACK_ID, entries), entries);
    // No raw tag outside a fenced block, where a renderer would pass it through as HTML.
    let inFence = false;
    for (const line of md.split("\n")) {
      if (/^```/.test(line)) inFence = !inFence;
      else if (!inFence) expect(line, line).not.toMatch(/<(script|img)\b/i);
    }
    expect(md).toContain("&lt;script>");
    expect(md).toContain("&lt;img src=x onerror=");
    expect(md).not.toContain("\u001b");
    expect(md).not.toContain("\u0007");
    expect(md).toContain("red link");
  });
});
