/** Markdown building blocks that keep arbitrary text (error messages, reasons) from breaking layout. */

/** A table cell: one line, pipes escaped, never empty. */
export function cell(text: string): string {
  const flat = text.replace(/\s*\r?\n\s*/g, " ").trim();
  return flat === "" ? "—" : flat.replace(/\\/g, "\\\\").replace(/\|/g, "\\|");
}

/** Inline code that survives backticks inside the text. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

export function table(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map((r) => line(r))];
}

/** A fenced block whose fence is longer than any backtick run inside it. */
export function fenced(lines: string[], info = "text"): string[] {
  const longest = Math.max(0, ...lines.flatMap((l) => l.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, ...lines, fence];
}
