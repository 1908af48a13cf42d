/**
 * YAML parser errors in the words of the file: which line, what was found there and what was
 * expected ("path: on line 6 is indented deeper than kind: on line 5"), instead of the parser's
 * grammar terms ("Nested mappings are not allowed in compact mappings"). Errors the translation
 * does not know keep the parser's words, with the line.
 */
import type { LineCounter, YAMLError } from "yaml";
import type { Problem } from "./problems.js";

interface SourceLine {
  number: number;
  text: string;
  /** 1-based column of the first non-blank character. */
  column: number;
}

function sourceLines(text: string): SourceLine[] {
  return text.split(/\r?\n/).map((t, i) => ({
    number: i + 1,
    text: t,
    column: t.length - t.trimStart().length + 1,
  }));
}

const isContent = (l: SourceLine | undefined): l is SourceLine =>
  l !== undefined && l.text.trim() !== "" && !l.text.trimStart().startsWith("#");

function keyOf(l: SourceLine): string {
  const t = l.text.trim().replace(/^- /, "");
  const colon = t.indexOf(":");
  return colon > 0 ? `"${t.slice(0, colon + 1)}"` : `"${t.length > 30 ? `${t.slice(0, 30)}…` : t}"`;
}

function previousContent(lines: SourceLine[], lineNo: number): SourceLine | undefined {
  for (let i = lineNo - 2; i >= 0; i--) if (isContent(lines[i])) return lines[i];
  return undefined;
}

function nextContent(lines: SourceLine[], lineNo: number): SourceLine | undefined {
  for (let i = lineNo; i < lines.length; i++) if (isContent(lines[i])) return lines[i];
  return undefined;
}

interface Translation {
  line: number;
  column: number;
  message: string;
  hint: string;
}

const INDENT_HINT = "Indent keys of one mapping with the same number of spaces (YAML counts spaces exactly)";

function translate(err: YAMLError, lines: SourceLine[], at: { line: number; col: number }): Translation {
  const here = lines[at.line - 1];
  switch (err.code) {
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY": {
      // "kind: release" followed by a line indented deeper: the parser reads both as one key.
      const next = here ? nextContent(lines, here.number) : undefined;
      if (here && next && next.column > here.column) {
        return {
          line: next.number,
          column: next.column,
          message: `${keyOf(next)} on line ${next.number} is indented deeper (column ${next.column}) than ${keyOf(here)} on line ${here.number} (column ${here.column}), which already has a value`,
          hint: `start ${keyOf(next)} at column ${here.column} like ${keyOf(here)}, or, if it belongs under ${keyOf(here)}, remove the value after that colon. ${INDENT_HINT}`,
        };
      }
      break;
    }
    case "BAD_INDENT": {
      if (here && /mapping items must start at the same column/i.test(err.message)) {
        const prev = previousContent(lines, here.number);
        const expected =
          prev && prev.column > here.column
            ? ` (column ${prev.column}, like ${keyOf(prev)} on line ${prev.number})`
            : "";
        return {
          line: here.number,
          column: here.column,
          message: `${keyOf(here)} on line ${here.number} starts at column ${here.column}, not where the keys of its mapping start${expected}`,
          hint: `move ${keyOf(here)} to the column of the keys it belongs with. ${INDENT_HINT}`,
        };
      }
      if (/flow sequence/i.test(err.message)) {
        return {
          line: at.line,
          column: at.col,
          message: `a list opened with "[" is not closed with "]" before line ${at.line}`,
          hint: 'close the list with "]" on the line where it starts, or write it as lines starting with "- "',
        };
      }
      break;
    }
    case "MISSING_CHAR": {
      if (here && /followed by map values/i.test(err.message)) {
        return {
          line: here.number,
          column: here.column,
          message: `${keyOf(here)} on line ${here.number} has no ":" (expected "key: value")`,
          hint: `add ":" and a value after ${keyOf(here)}, or join it to the line above if it continues that value`,
        };
      }
      if (/closing "?quote/i.test(err.message)) {
        return {
          line: at.line,
          column: at.col,
          message: `a quoted string is not closed (expected a closing quote before line ${at.line})`,
          hint: "close the quote on the line where it opens",
        };
      }
      break;
    }
    case "TAB_AS_INDENT":
      return {
        line: at.line,
        column: at.col,
        message: `line ${at.line} is indented with a tab`,
        hint: "YAML indentation is spaces only: replace the tab with spaces",
      };
    case "DUPLICATE_KEY":
      return {
        line: at.line,
        column: at.col,
        message: `${here ? keyOf(here) : "a key"} on line ${at.line} appears twice in the same mapping`,
        hint: "keep one of the two (the second would silently replace the first)",
      };
    default:
      break;
  }
  return {
    line: at.line,
    column: at.col,
    message: `YAML syntax error on line ${at.line}: ${err.message}`,
    hint: "fix the YAML at that position (indentation, a missing colon or an unclosed quote or bracket are the usual causes)",
  };
}

/** One problem per distinct place, in the file's terms. */
export function yamlSyntaxProblems(
  errors: readonly YAMLError[],
  text: string,
  lineCounter: LineCounter,
  file: string,
): Problem[] {
  const lines = sourceLines(text);
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const err of errors) {
    const t = translate(err, lines, lineCounter.linePos(err.pos[0]));
    const key = `${t.line}:${t.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({
      code: "CONFIG_YAML",
      message: t.message,
      hint: t.hint,
      where: { file, line: t.line, column: t.column },
    });
  }
  return problems;
}
