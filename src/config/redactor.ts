/**
 * Replaces every known secret value with "***". One instance per process is shared by
 * output, logs, the journal writer and reports, so a secret cannot leak through any of them.
 */
export class Redactor {
  private secrets: string[] = [];

  add(value: string | undefined): void {
    // Very short values would redact ordinary text ("1", "on"); they are not treated as secrets.
    if (value === undefined || value.length < 4 || this.secrets.includes(value)) return;
    this.secrets.push(value);
    // Longest first so a secret containing another is replaced whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.secrets.length;
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
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
