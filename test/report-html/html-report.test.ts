import { describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/core/journal-events.js";
import { foldJournal } from "../../src/report/fold-journal.js";
import { renderHtmlReport } from "../../src/report/html/index.js";
import {
  cutOffJournal,
  escalationJournal,
  gateJournal,
  makePlan,
  ROLLBACK_ID,
  startedJournal,
  successJournal,
  T0,
} from "../report/journal-fixtures.js";
import { EVIL_STEP, richJournal } from "./rich-journal.js";

function render(entries: JournalEntry[]): string {
  return renderHtmlReport(foldJournal(ROLLBACK_ID, entries), entries);
}

function count(html: string, pattern: RegExp): number {
  return [...html.matchAll(new RegExp(pattern.source, "g"))].length;
}

describe("renderHtmlReport", () => {
  it("escapes every journal string: a step id with <script> stays text", () => {
    const html = render(richJournal().entries);
    expect(html.toLowerCase()).not.toContain("<script");
    expect(html).toContain("db#1:&lt;script&gt;window.__pwned=1&lt;/script&gt;");
    expect(html).toContain("exit 1 &lt;b&gt;bold&lt;/b&gt; &amp; more");
    expect(html).toContain("alice &lt;ops&gt;");
    expect(html).not.toContain(EVIL_STEP);
  });

  it("draws one bar per attempt, coloured by outcome", () => {
    const { entries, attempts } = richJournal();
    const html = render(entries);
    expect(count(html, /<rect class="attempt /)).toBe(attempts);
    expect(
      count(html, /<rect class="attempt failed" data-step="api#1:switch-release" data-attempt="1"/),
    ).toBe(1);
    expect(
      count(html, /<rect class="attempt succeeded" data-step="api#1:switch-release" data-attempt="2"/),
    ).toBe(1);
    expect(count(html, /class="attempt failed" data-step="db#1:&lt;script&gt;/)).toBe(2);
    expect(count(html, /class="retry-wait"/)).toBe(2);
    const esc = escalationJournal().entries;
    expect(count(render(esc), /<rect class="attempt failed"/)).toBe(3);
  });

  it("is standalone: inline CSS and SVG, no script, no external resource", () => {
    const html = render(richJournal().entries);
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<style>");
    expect(html).toMatch(/<svg id="timeline" xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).not.toMatch(/<link|@import|url\(/i);
  });

  it("marks escalation, gate waits and the end; names an off-chart deadline", () => {
    const html = render(richJournal().entries);
    expect(html).toMatch(
      /<g class="marker escalation" id="marker-escalation" data-at="\d+">.*>escalated<\/text>/,
    );
    expect(html).toMatch(/<g class="marker gate-wait approved" data-at="\d+">/);
    expect(html).toMatch(/<g class="marker finished"/);
    expect(html).toContain("deadline 14 min 52 s after the end");
    expect(render(gateJournal().entries)).toMatch(/class="marker gate-wait approved"/);
    expect(render(successJournal().entries)).not.toContain("marker gate-wait");
  });

  it("draws a passed deadline and the emergency span", () => {
    const plan = makePlan();
    const j = startedJournal(plan)
      .add(100, { type: "step-started", stepId: "api#1:switch-release", attempt: 1 })
      .add(900_050, { type: "deadline-passed", deadlineAt: T0 + 900_050 })
      .add(900_060, {
        type: "step-cancelled",
        stepId: "api#1:switch-release",
        attempt: 1,
        reason: "deadline",
      })
      .add(900_070, { type: "emergency-started", steps: ["maintenance-page"] })
      .add(900_500, { type: "emergency-step", name: "maintenance-page", ok: true })
      .add(900_600, { type: "emergency-finished" })
      .add(900_610, { type: "finished", state: "timed-out" });
    const html = render(j.entries);
    expect(html).toMatch(/<g class="marker deadline" id="marker-deadline"/);
    expect(html).toMatch(/<g class="marker emergency" id="marker-emergency"/);
    expect(html).toMatch(/<rect class="attempt cancelled" data-step="api#1:switch-release"/);
    expect(html).not.toContain("after the end");
  });

  it("plots every monitor sample against the threshold", () => {
    const { entries } = richJournal();
    const html = render(entries);
    const samples = entries.filter((e) => e.event.type === "monitor-sample").length;
    expect(html).toContain(`<g id="monitor" class="monitor-chart" data-samples="${samples}">`);
    expect(count(html, /<circle class="sample/)).toBe(samples);
    expect(count(html, /<circle class="sample over aborted"/)).toBe(1);
    expect(html).toMatch(/<polyline class="threshold"/);
    expect(html).toMatch(/<polyline class="error-rate"/);
    expect(render(successJournal().entries)).not.toContain('id="monitor"');
  });

  it("lists validation results, notifications, gate decisions and escalation", () => {
    const html = render(richJournal().entries);
    const section = (id: string) =>
      html.slice(
        html.indexOf(`<section id="${id}">`),
        html.indexOf("</section>", html.indexOf(`<section id="${id}">`)),
      );
    expect(section("validation")).toContain("error ratio 0.62 &gt; 0.5");
    expect(section("validation")).toContain("2 check(s): 1 passed, 1 failed");
    expect(count(html, /<path class="check (pass|fail)"/)).toBe(2);
    expect(section("notifications")).toContain("pager answered HTTP 503");
    expect(count(section("notifications"), /<tr>/)).toBe(4);
    expect(section("gate")).toContain("bob");
    expect(section("escalation")).toContain("failed and the monitor aborted");
    expect(section("monitoring")).toContain("aborted the rollback");
  });

  it("ends with a post-mortem skeleton with suggested action items", () => {
    const html = render(richJournal().entries);
    const pm = html.slice(html.indexOf('<section id="post-mortem">'));
    for (const h of ["Impact window", "Trigger", "Timeline", "Root cause", "Action items"]) {
      expect(pm).toContain(`<h3>${h}</h3>`);
    }
    expect(pm).toContain("to fill in");
    expect(pm).toMatch(
      /Find out why <code>db#1:&lt;script&gt;window.__pwned=1&lt;\/script&gt;<\/code> failed 2 time/,
    );
    expect(pm).toContain("Notification channel <code>pager</code>");
    expect(count(pm, /<li><span class="offset">/)).toBe(richJournal().entries.length);
  });

  it("renders a journal cut off by a crash: the open attempt runs to the last event", () => {
    const html = render(cutOffJournal().entries);
    expect(count(html, /<rect class="attempt /)).toBe(2);
    expect(html).toMatch(/<rect class="attempt running" data-step="api#2:restart"/);
    expect(html).toContain("not finished");
  });
});
