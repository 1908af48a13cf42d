// The buttons. Each is enabled only for a role that may use it (the server checks again and
// its refusal is shown as is).
import { api } from "./api.js";
import { $, download, showError } from "./dom.js";
import { renderPlan } from "./views.js";

const NEEDS = {
  preview: "operator",
  run: "operator",
  resume: "operator",
  cancel: "operator",
  approve: "approver",
};

/** Greys out what the token's roles cannot do, with a tooltip saying which role it needs. */
export function applyRoles(roles) {
  for (const [id, role] of Object.entries(NEEDS)) {
    const b = $(id);
    const allowed = roles.includes(role);
    b.dataset.allowed = allowed ? "yes" : "no";
    b.title = allowed ? "" : `needs a token with the ${role} role`;
    if (!allowed) b.disabled = true;
  }
}

const allowed = (id) => $(id).dataset.allowed === "yes";

/** Buttons that depend on the shown rollback's state. */
export function applyState(rollback, interruptedIds) {
  const state = rollback?.state;
  $("resume").disabled = !allowed("resume") || !rollback || !interruptedIds.includes(rollback.id);
  const cancellable =
    rollback && (["queued", "awaiting-confirmation"].includes(state) || interruptedIds.includes(rollback.id));
  $("cancel").disabled = !allowed("cancel") || !cancellable;
  updateApprove(rollback);
}

/** Approve needs the role and the first 12 characters of the shown plan hash typed exactly. */
export function updateApprove(rollback) {
  const typed = $("gate-confirm").value.trim().toLowerCase();
  const hash = rollback?.plan.hash ?? "";
  $("approve").disabled = !allowed("approve") || typed.length < 12 || !hash.startsWith(typed);
}

export async function preview(state) {
  showError("plan-error", "");
  $("run").disabled = true;
  try {
    const to = $("plan-to").value;
    const plan = await api("GET", `/plan${to ? `?to=${encodeURIComponent(to)}` : ""}`);
    state.previewed = plan;
    renderPlan(plan);
    $("run").disabled = !allowed("run") || plan.steps.length === 0;
  } catch (e) {
    showError("plan-error", e);
  }
}

export async function run(state) {
  showError("plan-error", "");
  const plan = state.previewed;
  if (!plan) return;
  if (!window.confirm(`Start the rollback to ${plan.checkpoint.name} (${plan.steps.length} steps)?`)) return;
  try {
    const started = await api("POST", "/rollbacks", { body: { to: plan.checkpoint.id } });
    if (started.planHash !== plan.hash)
      showError(
        "plan-error",
        `note: the plan changed since the preview (now ${started.planHash.slice(0, 12)})`,
      );
    $("run").disabled = true;
    return started.rollbackId;
  } catch (e) {
    showError("plan-error", e);
  }
}

export async function approve(rollback) {
  showError("live-error", "");
  try {
    await api("POST", `/rollbacks/${encodeURIComponent(rollback.id)}/approve`, {
      body: { planHash: $("gate-confirm").value.trim().toLowerCase() },
    });
    $("gate-confirm").value = "";
  } catch (e) {
    showError("live-error", e);
  }
}

export async function resumeOrCancel(rollback, what) {
  showError("live-error", "");
  if (what === "cancel" && !window.confirm(`Cancel rollback ${rollback.id}?`)) return;
  try {
    await api("POST", `/rollbacks/${encodeURIComponent(rollback.id)}/${what}`);
  } catch (e) {
    showError("live-error", e);
  }
}

const TYPES = { html: "text/html", md: "text/markdown", json: "application/json" };

export async function report(id, format) {
  try {
    const text = await api("GET", `/rollbacks/${encodeURIComponent(id)}/report?format=${format}`, {
      raw: true,
    });
    download(`backout-${id}.${format}`, TYPES[format], text);
  } catch (e) {
    showError("live-error", e);
  }
}
