/**
 * JSON.parse that keeps numbers exact. wal2json writes bigint and numeric values as bare JSON
 * numbers (2.5 has no option to quote them), and JSON.parse would turn 9007199254740993 into
 * ...992. A number whose text does not survive a round trip through a double stays a string;
 * PostgreSQL casts the string back to the column's type on replay.
 */
export function parseLosslessJson(text: string): unknown {
  const p = new Parser(text);
  const value = p.value();
  p.space();
  if (p.i !== text.length) p.fail("trailing characters");
  return value;
}

/**
 * A number token with 16 or more digits (after a ":", "," or "["): the only kind a double may
 * not hold exactly. Text inside strings can match too; that only costs the slower parser.
 */
const RISKY_NUMBER = /[:,[]\s*-?\d[\d.]{15}/;

/** JSON.parse when no number can lose digits (most rows), else the exact parser: same result, ~7x faster. */
export function parseJsonExact(text: string): unknown {
  return RISKY_NUMBER.test(text) ? parseLosslessJson(text) : JSON.parse(text);
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  fail(why: string): never {
    throw new SyntaxError(`invalid JSON at ${this.i}: ${why}`);
  }

  space(): void {
    while (this.i < this.s.length && " \t\n\r".includes(this.s.charAt(this.i))) this.i++;
  }

  value(): unknown {
    this.space();
    const c = this.s.charAt(this.i);
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.number();
  }

  number(): number | string {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail("unexpected character");
    this.i += m[0].length;
    const n = Number(m[0]);
    return String(n) === m[0] ? n : m[0];
  }

  string(): string {
    // Find the closing quote (skipping escapes), then let JSON.parse decode the escapes.
    const start = this.i;
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s.charAt(this.i);
      if (c === "\\") this.i += 2;
      else if (c === '"') {
        this.i++;
        return JSON.parse(this.s.slice(start, this.i)) as string;
      } else this.i++;
    }
    return this.fail("unterminated string");
  }

  array(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.space();
    if (this.s.charAt(this.i) === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.space();
      const c = this.s.charAt(this.i++);
      if (c === "]") return out;
      if (c !== ",") this.fail("expected , or ]");
    }
  }

  object(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    this.space();
    if (this.s.charAt(this.i) === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.s.charAt(this.i) !== '"') this.fail("expected a key");
      const key = this.string();
      this.space();
      if (this.s.charAt(this.i++) !== ":") this.fail("expected :");
      setOwn(out, key, this.value());
      this.space();
      const c = this.s.charAt(this.i++);
      if (c === "}") return out;
      if (c !== ",") this.fail("expected , or }");
    }
  }
}

/** Assigns even a key named "__proto__" as a plain own property (column names are user data). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty for every key would turn each object into a slow dictionary (drain ~2x slower).
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else target[key] = value;
}
