/**
 * The last pass over a Markdown report: step output and error messages come from the commands
 * backout ran, so they may hold terminal escapes and HTML. Markdown renderers pass raw HTML
 * through (`<script>`, `<img onerror=...>`), and escapes garble a terminal or a browser: strip
 * the escapes everywhere, and outside fenced blocks (where HTML is shown as text anyway) turn
 * a `<` that could open a tag into an entity. The report itself writes no HTML, so nothing intended is lost.
 */

// CSI/OSC/other ESC sequences, then any other C0 control or DEL (tab and newline kept).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u009b]/g;

export function stripTerminal(text: string): string {
  return text.replace(ANSI, "").replace(CONTROL, "");
}

const FENCE = /^(`{3,}|~{3,})/;

export function safeMarkdown(markdown: string): string {
  let open: string | undefined;
  return stripTerminal(markdown)
    .split("\n")
    .map((line) => {
      const fence = FENCE.exec(line)?.[1];
      if (open !== undefined) {
        if (
          fence !== undefined &&
          fence[0] === open[0] &&
          fence.length >= open.length &&
          line.trim() === fence
        ) {
          open = undefined;
        }
        return line;
      }
      if (fence !== undefined) {
        open = fence;
        return line;
      }
      // Only a `<` that could open a tag, comment or declaration (CommonMark's raw HTML starts
      // with a letter, "/", "!" or "?"), so "<=41" still reads as written in a terminal.
      return line.replace(/<(?=[A-Za-z/!?])/g, "&lt;");
    })
    .join("\n");
}
