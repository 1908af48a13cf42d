/** Alertmanager-style label matchers in `triggers:`: anchored regexes, negation, config errors. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../../src/config/load.js";
import { Redactor } from "../../src/config/redactor.js";
import { builtinProviders } from "../../src/providers/index.js";
import { parseMatcher, type LabelMatcher } from "../../src/serve/alerts/matchers.js";
import { tempDir } from "../e2e/cli.js";

const m = (text: string): LabelMatcher => {
  const r = parseMatcher(text);
  if (typeof r === "string") throw new Error(r);
  return r;
};

describe("label matchers", () => {
  it("match like Alertmanager's: =, !=, =~ (whole value), !~, a missing label is empty", () => {
    const labels = { alertname: "HighErrorRate", severity: "page" };
    expect(m('alertname="HighErrorRate"').test(labels)).toBe(true);
    expect(m("alertname=HighErrorRate").test(labels)).toBe(true);
    expect(m('alertname!="HighErrorRate"').test(labels)).toBe(false);
    expect(m('severity=~"page|critical"').test(labels)).toBe(true);
    expect(m('alertname=~"High"').test(labels)).toBe(false); // anchored: not a substring search
    expect(m('alertname=~"High.*"').test(labels)).toBe(true);
    expect(m('severity!~"info|warning"').test(labels)).toBe(true);
    expect(m('team=""').test(labels)).toBe(true);
    expect(m('team=~".+"').test(labels)).toBe(false);
    expect(m('summary="a \\"quoted\\" word"').value).toBe('a "quoted" word');
  });

  it("a bad matcher is a config error naming the trigger's field", () => {
    const dir = tempDir("matchers");
    const file = join(dir, "backout.yaml");
    writeFileSync(
      file,
      `version: 1
environment: prod
triggers:
  - { name: t, match: ['alertname=~"("'], action: rollback }
components:
  api: { kind: command, capture: [/bin/echo, v1], apply: [/bin/true] }
`,
    );
    expect(() => loadEnvironment(file, { providers: builtinProviders(), redactor: new Redactor() })).toThrow(
      /triggers\[0\]\.match\[0\][\s\S]*alertname=~"\("/,
    );
    expect(parseMatcher("not a matcher")).toMatch(/is not a matcher/);
    expect(parseMatcher('a="unterminated')).toMatch(/not a complete string/);
  });
});
