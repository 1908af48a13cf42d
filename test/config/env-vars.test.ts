import { describe, expect, it } from "vitest";
import { interpolate, isSecretName } from "../../src/config/env-vars.js";
import { formatError } from "../../src/core/errors.js";
import { load, loadError, yaml } from "./fixtures.js";

describe("interpolate", () => {
  it("substitutes variables, defaults and escapes", () => {
    const env = { HOST: "db.internal", EMPTY: "" };
    expect(interpolate("postgres://${HOST}:5432", env).value).toBe("postgres://db.internal:5432");
    expect(interpolate("${PORT:-5432}", env).value).toBe("5432");
    expect(interpolate("${EMPTY:-fallback}", env).value).toBe("fallback");
    expect(interpolate("${EMPTY}", env).value).toBe("");
    expect(interpolate("${NOPE:-}", env).value).toBe("");
    expect(interpolate("cost: $${HOST} and $5", env).value).toBe("cost: ${HOST} and $5");
  });

  it("reports missing and malformed references", () => {
    const r = interpolate("${A}-${B:-b}-${1X}-${", {});
    expect(r.missing).toEqual(["A"]);
    expect(r.malformed).toEqual(["${1X}", "${"]);
  });

  it("marks secret references by name or by secret:", () => {
    const r = interpolate("${USER}:${DB_PASSWORD}@${secret:DSN_PART}", {
      USER: "app",
      DB_PASSWORD: "pw-1234",
      DSN_PART: "xyz-987",
    });
    expect(r.value).toBe("app:pw-1234@xyz-987");
    expect(r.references.map((x) => [x.name, x.secret])).toEqual([
      ["USER", false],
      ["DB_PASSWORD", true],
      ["DSN_PART", true],
    ]);
  });

  it("recognises secret-looking names", () => {
    for (const n of [
      "GITHUB_TOKEN",
      "DB_PASSWORD",
      "PGPASS",
      "STRIPE_API_KEY",
      "APIKEY",
      "SSH_PRIVATE",
      "AWS_SECRET",
      "SIGNING_KEY",
      "BASIC_AUTH",
    ]) {
      expect(isSecretName(n), n).toBe(true);
    }
    for (const n of ["HOME", "DB_HOST", "KEYBOARD", "PORT"]) expect(isSecretName(n), n).toBe(false);
  });
});

const COMPONENTS = ["components:", "  api:", "    kind: release"];

describe("loadEnvironment: ${VAR} resolution", () => {
  it("resolves variables and defaults in string values", () => {
    const { config } = load(
      yaml("version: 1", "environment: ${ENV_NAME:-staging}", ...COMPONENTS, "    path: ${RELEASES}/api"),
      { RELEASES: "/srv/releases" },
    );
    expect(config.environment).toBe("staging");
    expect(config.components[0]?.settings).toEqual({ path: "/srv/releases/api" });
  });

  it("a missing variable without default is CONFIG_ENV_MISSING at its location", () => {
    const { file, error } = loadError(
      yaml("version: 1", "environment: prod", ...COMPONENTS, "    path: ${RELEASES}/api"),
    );
    expect(error.code).toBe("CONFIG_ENV_MISSING");
    expect(error.where).toEqual({
      file,
      line: 6,
      column: 11,
      field: "components.api.path",
      component: "api",
    });
    expect(error.message).toContain("RELEASES");
    expect(error.hint).toContain("${RELEASES:-value}");
  });

  it("a missing variable is reported once, not again as an unknown dependency", () => {
    const { error } = loadError(
      yaml("version: 1", "environment: prod", ...COMPONENTS, "    path: /x", '    dependsOn: ["${DEP}"]'),
    );
    expect(error.code).toBe("CONFIG_ENV_MISSING");
    expect(error.details?.problems).toHaveLength(1);
    expect(error.where).toMatchObject({ line: 7, column: 17, field: "components.api.dependsOn[0]" });
  });

  it("a malformed reference is CONFIG_INVALID", () => {
    const { error } = loadError(yaml("version: 1", "environment: prod", ...COMPONENTS, "    path: ${9}"));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.where).toMatchObject({ line: 6, column: 11 });
  });
});

describe("loadEnvironment: secrets", () => {
  const SECRET = "s3cr3t-hunter2-value";

  it("adds values of secret-looking variables, ${secret:VAR} and the secrets list to the redactor", () => {
    const { redactor } = load(
      yaml(
        "version: 1",
        "environment: prod",
        "secrets: [SLACK_WEBHOOK]",
        "policies:",
        "  escalation:",
        "    command: [notify]",
        "    env: { TOKEN: '${NOTIFY_TOKEN}', URL: '${secret:HOOK_URL}', HOST: '${HOST}' }",
        ...COMPONENTS,
        "    path: /x",
      ),
      {
        NOTIFY_TOKEN: SECRET,
        HOOK_URL: "https://hooks.example/abc",
        HOST: "plain-host",
        SLACK_WEBHOOK: "https://slack/xyz",
      },
    );
    const text = `t=${SECRET} u=https://hooks.example/abc s=https://slack/xyz h=plain-host`;
    expect(redactor.redact(text)).toBe("t=*** u=*** s=*** h=plain-host");
  });

  it("never shows a secret value in an error, even when the secret is the wrong value", () => {
    const { redactor, error } = loadError(
      yaml(
        "version: 1",
        "environment: prod",
        "policies:",
        "  concurrency: ${DB_PASSWORD}",
        ...COMPONENTS,
        "    path: /x",
      ),
      { DB_PASSWORD: SECRET },
    );
    expect(redactor.redact(SECRET)).toBe("***");
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe("policies.concurrency must be a number, not a string (from ${DB_PASSWORD})");
    const everything = JSON.stringify(error.toJSON()) + formatError(error);
    expect(everything).not.toContain(SECRET);
  });

  it("does not show values from ordinary variables either", () => {
    const { error } = loadError(
      yaml(
        "version: 1",
        "environment: prod",
        "policies:",
        "  dataLoss: ${POLICY}",
        ...COMPONENTS,
        "    path: /x",
      ),
      { POLICY: "keep-everything" },
    );
    expect(error.message).toContain("(from ${POLICY})");
    expect(JSON.stringify(error.toJSON())).not.toContain("keep-everything");
  });

  it("a listed secret that is not set is CONFIG_ENV_MISSING at the list item", () => {
    const { error } = loadError(
      yaml("version: 1", "environment: prod", "secrets: [A_TOKEN]", ...COMPONENTS, "    path: /x"),
    );
    expect(error.code).toBe("CONFIG_ENV_MISSING");
    expect(error.where).toMatchObject({ line: 3, column: 11, field: "secrets[0]" });
  });
});
