// Renders what the API answered into the page; no state of its own.
import { $, el, fill, when, duration, stateBadge } from "./dom.js";

export function renderStatus(s) {
  $("env").textContent = s.environment;
  const lock = !s.lock
    ? "free"
    : s.lock.holder
      ? `held for ${s.lock.rollbackId} by pid ${s.lock.holder.pid} on ${s.lock.holder.host}`
      : `parked for ${s.lock.rollbackId} (waiting for an approver)`;
  const rows = [
    ["Lock", lock],
    [
      "Queue",
      s.queue.length === 0 ? "empty" : s.queue.map((q) => `${q.rollbackId} (pid ${q.pid})`).join(", "),
    ],
    ["Latest rollback", s.latest ? el("span", {}, `${s.latest.id} `, stateBadge(s.latest.state)) : "none"],
    [
      "Last good checkpoint",
      s.lastGoodCheckpoint
        ? `${s.lastGoodCheckpoint.name} (${when(s.lastGoodCheckpoint.createdAt)})`
        : "none",
    ],
    [
      "Interrupted",
      s.interrupted.length === 0 ? "none" : s.interrupted.map((i) => `${i.id}: ${i.why}`).join("; "),
    ],
    ["Running here", String(s.server?.running ?? 0)],
  ];
  if (s.undeliveredNotifications?.length)
    rows.push(["Undelivered notifications", String(s.undeliveredNotifications.length)]);
  fill(
    $("status-list"),
    rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]),
  );
}

function attemptsText(step) {
  return step.attempts
    .map((a) => `#${a.attempt} ${a.outcome}${a.durationMs !== undefined ? ` ${duration(a.durationMs)}` : ""}`)
    .join(", ");
}

function riskOf(plan, stepId) {
  const s = plan.steps.find((x) => x.id === stepId);
  if (!s) return "";
  const text = s.risk.measured ? `${s.risk.summary} (${s.risk.measured})` : s.risk.summary;
  return s.risk.dataLoss ? el("span", { class: "data-loss" }, `data loss: ${text}`) : text;
}

export function renderLive(live) {
  const r = live.rollback;
  $("live-empty").hidden = true;
  $("live-body").hidden = false;
  $("live-id").textContent = r.id;
  fill($("live-state"), [document.createTextNode(r.state)]);
  $("live-state").className = `state ${r.state}`;
  $("progress").textContent = live.progress.line;
  $("timeline-box").innerHTML = live.timeline;
  const rows = r.steps.map((s) =>
    el(
      "tr",
      { "data-step": s.id, "data-status": s.status },
      el("td", { class: "id" }, el("code", {}, s.id), el("div", { class: "muted" }, s.description)),
      el("td", {}, stateBadge(s.status)),
      el("td", {}, attemptsText(s) || "-"),
      el("td", {}, riskOf(r.plan, s.id)),
    ),
  );
  fill($("steps").tBodies[0], rows);
  const gate = $("gate");
  gate.hidden = r.state !== "awaiting-confirmation";
  if (!gate.hidden) {
    $("gate-hash").textContent = r.plan.hash;
    const waiting = new Set(r.gate.waitingSteps);
    const risky = r.plan.steps.filter((s) => s.risk.dataLoss && (waiting.size === 0 || waiting.has(s.id)));
    fill(
      $("gate-risks"),
      risky.map((s) =>
        el(
          "li",
          {},
          el("code", {}, s.id),
          `: ${s.risk.summary}`,
          s.risk.measured ? ` (${s.risk.measured})` : "",
          s.risk.rowsAtRisk !== undefined ? ` — ${s.risk.rowsAtRisk} rows at risk` : "",
        ),
      ),
    );
  }
}

export function renderPlan(plan) {
  const loss = plan.steps.filter((s) => s.risk.dataLoss);
  const rowsAtRisk = loss.reduce((n, s) => n + (s.risk.rowsAtRisk ?? 0), 0);
  const facts = el(
    "dl",
    { class: "facts" },
    el("dt", {}, "To checkpoint"),
    el("dd", {}, `${plan.checkpoint.name} (${when(plan.checkpoint.createdAt)})`),
    el("dt", {}, "Plan hash"),
    el("dd", {}, el("code", { id: "plan-hash" }, plan.hash)),
    el("dt", {}, "Steps"),
    el("dd", {}, `${plan.steps.length}, about ${duration(plan.estimateMs)}`),
    el("dt", {}, "Data loss"),
    el(
      "dd",
      { class: plan.dataLoss ? "data-loss" : "" },
      plan.dataLoss
        ? `yes: ${loss.length} step(s)${rowsAtRisk ? `, ${rowsAtRisk} rows at risk` : ""}; needs an approver`
        : "no",
    ),
  );
  const rows = plan.steps.map((s) =>
    el(
      "tr",
      {},
      el("td", { class: "id" }, el("code", {}, s.id)),
      el("td", {}, s.description),
      el("td", {}, riskOf(plan, s.id)),
    ),
  );
  const table = el(
    "table",
    {},
    el("thead", {}, el("tr", {}, el("th", {}, "Step"), el("th", {}, "Does"), el("th", {}, "Risk"))),
    el("tbody", {}, ...rows),
  );
  fill($("plan-body"), [
    facts,
    plan.steps.length
      ? el("div", { class: "table-wrap" }, table)
      : el("p", { class: "muted" }, "Nothing to do: every component is at the checkpoint."),
  ]);
}

export function renderHistory(list, selected, onSelect, onReport) {
  fill(
    $("history-table").tBodies[0],
    list.map((r) =>
      el(
        "tr",
        { class: r.id === selected ? "selected" : undefined, "data-rollback": r.id },
        el(
          "td",
          { class: "id" },
          el("button", { type: "button", class: "link", onclick: () => onSelect(r.id) }, r.id),
          el("div", {}, stateBadge(r.state)),
        ),
        el("td", {}, when(r.createdAt), el("div", { class: "muted" }, `${r.steps} steps`)),
        el(
          "td",
          {},
          ...["html", "md", "json"].map((f) =>
            el("button", { type: "button", class: "link", onclick: () => onReport(r.id, f) }, f),
          ),
        ),
      ),
    ),
  );
}

const MAX_EVENTS = 200;

export function appendEvent(id, e) {
  const list = $("events");
  const detail = e.event.stepId ? ` ${e.event.stepId}` : e.event.by ? ` by ${e.event.by}` : "";
  list.prepend(
    el("li", { value: id, "data-feed-id": id }, `${e.rollbackId} #${e.seq} ${e.event.type}${detail}`),
  );
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
}
