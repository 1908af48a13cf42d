export interface MessageValues {
  component: string;
  target: string;
  from: string;
}

const DEFAULT_MESSAGE =
  "Roll back {{component}} to {{short}}\n\nRestores the tree of {{target}}; the previous HEAD was {{from}}.\nMade by backout.";

/**
 * Fills the commit message template in one pass (a value that itself contains "{{from}}" stays
 * as it is; a replacer function keeps `$&`-style patterns literal). The text reaches git through
 * a file (-F), so quotes, `;` and `$(...)` stay text.
 */
export function commitMessage(template: string | undefined, v: MessageValues): string {
  const values: Record<string, string> = {
    component: v.component,
    target: v.target,
    short: v.target.slice(0, 12),
    from: v.from,
  };
  const text = (template ?? DEFAULT_MESSAGE).replace(
    /\{\{(component|target|short|from)\}\}/g,
    (whole, key: string) => values[key] ?? whole,
  );
  return text.endsWith("\n") ? text : `${text}\n`;
}
