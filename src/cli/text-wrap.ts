/**
 * Word wrapping for human output that must fit the terminal. Nothing is elided: a reviewer
 * reads every word of what will run. A word longer than the line (a path, a URL) is broken
 * after a '/', '-', ',' or '=' when it can be, else where the line ends.
 */

const MIN_WIDTH = 40;
const DEFAULT_WIDTH = 80;

/**
 * The width to wrap to: $COLUMNS when set (as shells export it), else the terminal's width when
 * the stream is one, else 80. Never below 40, so indentation keeps room for text.
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  const fromEnv = Number.parseInt(process.env.COLUMNS ?? "", 10);
  const width =
    Number.isInteger(fromEnv) && fromEnv > 0
      ? fromEnv
      : stream.isTTY && stream.columns !== undefined && stream.columns > 0
        ? stream.columns
        : DEFAULT_WIDTH;
  return Math.max(MIN_WIDTH, width);
}

/**
 * `text` wrapped to `width` columns: the first line starts with `first` (an indent or a label),
 * the following ones with `rest` (an indent as wide as the label, usually).
 */
export function wrap(text: string, width: number, first = "", rest = " ".repeat(first.length)): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const room = (prefix: string) => Math.max(10, width - prefix.length);
  // Split on ordinary white space only: a no-break space holds its words together.
  for (const word of text.split(/[ \t\r\n]+/).filter((w) => w !== "")) {
    const sep = empty ? "" : " ";
    if (line.length + sep.length + word.length <= width) {
      line += sep + word;
      empty = false;
      continue;
    }
    if (!empty) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    let remaining = word;
    while (remaining.length > room(line)) {
      const cut = breakPoint(remaining, room(line));
      lines.push(line + remaining.slice(0, cut));
      line = rest;
      remaining = remaining.slice(cut);
    }
    line += remaining;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * A shell command wrapped with trailing backslashes, so it still runs when copied as printed.
 */
export function wrapCommand(words: string[], width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of words) {
    const sep = line === indent ? "" : " ";
    // Room for " \" at the end of a continued line.
    if (line !== indent && line.length + sep.length + word.length > width - 2) {
      lines.push(`${line} \\`);
      line = `${indent}    ${word}`;
    } else line += sep + word;
  }
  lines.push(line);
  return lines;
}

function breakPoint(word: string, max: number): number {
  for (let i = max; i > max / 2; i--) {
    if ("/-,=".includes(word[i - 1] ?? "")) return i;
  }
  return max;
}
