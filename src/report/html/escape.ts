/** HTML text and attribute escaping: every string from a journal goes through `esc`. */

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Safe in element text and in double- or single-quoted attributes. */
export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A table from already-escaped cell HTML; `empty` is shown (escaped) when there are no rows. */
export function htmlTable(headers: string[], rows: string[][], empty = "None."): string {
  if (rows.length === 0) return `<p class="none">${esc(empty)}</p>`;
  const head = headers.map((h) => `<th scope="col">${esc(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

export function codeSpan(text: string): string {
  return `<code>${esc(text)}</code>`;
}

/** SVG numbers: two decimals are plenty and keep the markup short and stable. */
export function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}
