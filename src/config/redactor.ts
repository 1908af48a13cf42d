/**
 * Replaces every known secret value with "***". One instance per process is shared by
 * output, logs, the journal writer and reports, so a secret cannot leak through any of them.
 */
export class Redactor {
  private secrets: string[] = [];
  /**
   * What is searched for: each secret, its form inside a JSON string and its percent-encoded form. A
   * secret with a `"` or `\` (a token may have them) is escaped in JSON text, so log lines and
   * redactValue, which both work on JSON text, never found it.
   */
  private forms: string[] = [];

  add(value: string | undefined): void {
    // Very short values would redact ordinary text ("1", "on"); they are not treated as secrets.
    if (value === undefined || value.length < 4 || this.secrets.includes(value)) return;
    this.secrets.push(value);
    // A secret sent by mistake in a URL is logged percent-encoded (req.url): hidden in that form too.
    const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
    this.forms.push(...new Set(forms));
    // Longest first so a secret containing another is replaced whole.
    this.forms.sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.secrets.length;
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.forms) {
      if (out.includes(s)) out = out.split(s).join("***");
    }
    return out;
  }

  /** Redacts every string inside a JSON-like value. */
  redactValue<T>(value: T): T {
    if (this.secrets.length === 0) return value;
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }
}
