// The dashboard: sign in with a token, load the views, then keep them current from the event
// stream (each event schedules a refresh of what it touches; bursts are coalesced).
import { api, authHeaders, token } from "./api.js";
import {
  approve,
  applyRoles,
  applyState,
  preview,
  report,
  resumeOrCancel,
  run,
  updateApprove,
} from "./actions.js";
import { $, el, fill, showError, when } from "./dom.js";
import { followEvents } from "./sse.js";
import { appendEvent, renderHistory, renderLive, renderStatus } from "./views.js";

/** A link to one rollback (a notification's approval link): /ui/#rollback=ID. */
const linkedRollback = () => new URLSearchParams(location.hash.slice(1)).get("rollback") || undefined;

const state = {
  /** The rollback shown live; undefined follows the newest one. */
  pinned: linkedRollback(),
  shown: undefined,
  live: undefined,
  interrupted: [],
  previewed: undefined,
  shownKey: undefined,
  /** Feed ids received, in order (the tests read them to check nothing was missed). */
  seen: [],
  stream: undefined,
};
window.backoutDashboard = state;

// A burst of events (a 200-step rollback) costs one refresh (3 requests) per second at most,
// well under the server's per-token rate limit (serve.rateLimit, default 600 a minute).
const SETTLE_MS = 150;
const MIN_GAP_MS = 1000;
let timer;
let refreshing = false;
let again = false;
let lastRefresh = 0;

function scheduleRefresh() {
  if (timer) return;
  const wait = Math.max(SETTLE_MS, lastRefresh + MIN_GAP_MS - Date.now());
  timer = setTimeout(() => {
    timer = undefined;
    void refresh();
  }, wait);
}

async function refresh() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  lastRefresh = Date.now();
  try {
    const [status, list] = await Promise.all([api("GET", "/status"), api("GET", "/rollbacks?limit=50")]);
    state.interrupted = status.interrupted.map((i) => i.id);
    renderStatus(status);
    state.shown = state.pinned ?? list[0]?.id;
    renderHistory(list, state.shown, select, report);
    state.live = state.shown ? await liveOf(state.shown) : undefined;
    if (!state.shown) $("live-missing").hidden = true;
    if (state.live) {
      // An error shown for one rollback and state is stale once either changes.
      const key = `${state.live.rollback.id}:${state.live.rollback.state}`;
      if (key !== state.shownKey) showError("live-error", "");
      state.shownKey = key;
      renderLive(state.live);
    }
    applyState(state.live?.rollback, state.interrupted);
    $("follow").hidden = state.pinned === undefined;
  } catch (e) {
    showError("live-error", e);
  } finally {
    refreshing = false;
    if (again) {
      again = false;
      scheduleRefresh();
    }
  }
}

/** The rollback's live view; undefined (and a clear message) when a link named one that does not exist. */
async function liveOf(id) {
  try {
    const live = await api("GET", `/rollbacks/${encodeURIComponent(id)}/live`);
    $("live-missing").hidden = true;
    return live;
  } catch (e) {
    if (e.code !== "ROLLBACK_NOT_FOUND" || id !== state.pinned) throw e;
    showMissing(id, e);
    return undefined;
  }
}

function showMissing(id, e) {
  state.shownKey = undefined;
  $("live-body").hidden = true;
  $("live-empty").hidden = true;
  $("live-id").textContent = id;
  fill($("live-state"), []);
  $("live-state").className = "state";
  $("live-missing-text").textContent =
    `There is no rollback "${id}" in this environment (the link asked for #rollback=${id}): ${e.code}. ` +
    "Check the link, or pick a rollback from the history.";
  $("live-missing").hidden = false;
}

/** Shows one rollback (undefined: the newest), and keeps the address a link to what is shown. */
function select(id) {
  state.pinned = id;
  history.replaceState(
    null,
    "",
    id === undefined ? location.pathname : `#rollback=${encodeURIComponent(id)}`,
  );
  void refresh();
}

async function loadCheckpoints() {
  const list = await api("GET", "/checkpoints?limit=50");
  fill(
    $("plan-to"),
    [el("option", { value: "" }, "last good")].concat(
      list.map((c) =>
        el("option", { value: c.id }, `${c.name}${c.good ? " (good)" : ""} · ${when(c.createdAt)}`),
      ),
    ),
  );
}

function setConn(kind, detail) {
  const c = $("conn");
  c.className = `pill ${kind}`;
  c.textContent = kind === "live" ? "live" : "reconnecting";
  c.title = detail || "";
}

async function start() {
  let me;
  try {
    me = await api("GET", "/whoami");
  } catch (e) {
    token.clear();
    showLogin(e.status === 401 ? "That token is not accepted by this server." : String(e));
    return;
  }
  $("login").hidden = true;
  $("main").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = `${me.name} (${me.roles.join(", ")})`;
  applyRoles(me.roles);
  await Promise.all([refresh(), loadCheckpoints().catch((e) => showError("plan-error", e))]);
  state.stream = followEvents({
    headers: () => authHeaders(),
    onState: setConn,
    onEvent: (id, e) => {
      state.seen.push(id);
      appendEvent(id, e);
      scheduleRefresh();
    },
  });
}

function showLogin(message) {
  $("main").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("token").focus();
}

$("login").addEventListener("submit", (ev) => {
  ev.preventDefault();
  token.set($("token").value.trim());
  $("token").value = "";
  void start();
});
$("logout").addEventListener("click", () => {
  token.clear();
  state.stream?.stop();
  showLogin("");
});
$("preview").addEventListener("click", () => void preview(state));
$("run").addEventListener("click", async () => {
  const id = await run(state);
  if (id) select(id);
});
$("approve").addEventListener("click", () => void approve(state.live.rollback).then(refresh));
$("resume").addEventListener("click", () => void resumeOrCancel(state.live.rollback, "resume").then(refresh));
$("cancel").addEventListener("click", () => void resumeOrCancel(state.live.rollback, "cancel").then(refresh));
$("follow").addEventListener("click", () => select(undefined));
$("follow-newest").addEventListener("click", () => select(undefined));
// A link followed in an open tab (or the address edited) changes only the hash.
window.addEventListener("hashchange", () => {
  state.pinned = linkedRollback();
  void refresh();
});
$("gate-confirm").addEventListener("input", () => updateApprove(state.live?.rollback));

if (token.get()) void start();
else showLogin("");
