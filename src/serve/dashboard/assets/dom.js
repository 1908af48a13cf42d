// Small DOM helpers. Text always goes in as text nodes: nothing from the API is parsed as HTML
// (the one exception, the timeline SVG, is escaped by the server's report renderer).

export const $ = (id) => document.getElementById(id);

/** el("td", { class: "id" }, "text", childNode, ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

export function fill(parent, children) {
  parent.replaceChildren(...children.filter(Boolean));
}

export function when(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function duration(ms) {
  if (ms === undefined) return "";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function stateBadge(state) {
  return el("span", { class: `state ${state}` }, state);
}

export function showError(id, err) {
  $(id).textContent = err ? String(err) : "";
}

/** Saves text as a file (reports need the bearer header, so they are fetched, not linked). */
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
