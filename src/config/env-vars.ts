/**
 * `${VAR}` references inside one string: `${VAR}`, `${VAR:-default}` (default when the
 * variable is unset or empty, as in the shell), `${secret:VAR}` (always a secret), and
 * `$${` for a literal `${`. Pure string work; the document walk is in interpolate.ts.
 */

/** Variable names whose values are treated as secrets even without `secret:`. */
export const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|PASS|API_?KEY|PRIVATE|CREDENTIAL|AUTH|_KEY$)/i;

export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const REFERENCE = /^(secret:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export interface VarReference {
  name: string;
  /** Written as `${secret:VAR}` or named like a secret. */
  secret: boolean;
  /** The value substituted (the variable's or the default); undefined when missing. */
  value: string | undefined;
}

export interface Interpolated {
  value: string;
  references: VarReference[];
  /** Variables that are unset and have no default. */
  missing: string[];
  /** Malformed references such as `${}` or `${1X}` or an unclosed `${`. */
  malformed: string[];
}

export type EnvLookup = Record<string, string | undefined>;

export function hasReference(text: string): boolean {
  return text.includes("${");
}

export function interpolate(text: string, env: EnvLookup): Interpolated {
  const out: Interpolated = { value: "", references: [], missing: [], malformed: [] };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      out.value += "${";
      i += 3;
      continue;
    }
    if (!text.startsWith("${", i)) {
      out.value += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf("}", i + 2);
    if (close < 0) {
      out.malformed.push(text.slice(i));
      out.value += text.slice(i);
      break;
    }
    const inner = text.slice(i + 2, close);
    const m = REFERENCE.exec(inner);
    const name = m?.[2];
    if (!m || name === undefined) {
      out.malformed.push(`\${${inner}}`);
      out.value += text.slice(i, close + 1);
    } else {
      const fallback = m[3];
      const raw = env[name];
      const value = raw === undefined || (raw === "" && fallback !== undefined) ? fallback : raw;
      out.references.push({ name, secret: m[1] !== undefined || isSecretName(name), value });
      if (value === undefined) {
        out.missing.push(name);
        // Keep the reference text so later messages still show what was written.
        out.value += text.slice(i, close + 1);
      } else {
        out.value += value;
      }
    }
    i = close + 1;
  }
  return out;
}
