/**
 * Bearer tokens: read once from the environment variables the config names, compared in
 * constant time (a hash of each side, so neither the length nor a prefix leaks through timing).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { BackoutError } from "../core/errors.js";
import type { ServeConfig, Role } from "./config.js";

export interface Caller {
  /** The token's name: what the journal records as who. */
  name: string;
  roles: ReadonlySet<Role>;
}

interface KnownToken {
  digest: Buffer;
  caller: Caller;
}

const MIN_TOKEN_LENGTH = 16;

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

export class TokenTable {
  private constructor(private readonly known: KnownToken[]) {}

  /** Reads every token; a missing or short one is a configuration error naming its variable. */
  static fromEnv(config: ServeConfig, env: NodeJS.ProcessEnv): { table: TokenTable; secrets: string[] } {
    const known: KnownToken[] = [];
    const secrets: string[] = [];
    config.tokens.forEach((t, i) => {
      const value = env[t.env];
      if (value === undefined || value.length < MIN_TOKEN_LENGTH) {
        throw new BackoutError(
          "CONFIG_ENV_MISSING",
          value === undefined
            ? `serve.tokens[${i}] (${t.name}) reads $${t.env}, which is not set`
            : `serve.tokens[${i}] (${t.name}): $${t.env} is shorter than ${MIN_TOKEN_LENGTH} characters`,
          {
            where: { field: `serve.tokens[${i}].env` },
            hint: `Set ${t.env} in the server's environment to a random value (e.g. \`openssl rand -hex 32\`).`,
          },
        );
      }
      // One value under two entries authenticated as whichever came last: a viewer's token
      // could carry another entry's roles, and the journal would name the wrong person.
      const same = secrets.indexOf(value);
      if (same >= 0) {
        throw new BackoutError(
          "CONFIG_INVALID",
          `serve.tokens[${i}] (${t.name}) has the same token as serve.tokens[${same}] (${config.tokens[same]?.name ?? "?"})`,
          {
            where: { field: `serve.tokens[${i}].env` },
            hint: "Give each entry its own token (its own variable and value); one person with several roles is one entry with several roles.",
          },
        );
      }
      secrets.push(value);
      known.push({ digest: digest(value), caller: { name: t.name, roles: new Set(t.roles) } });
    });
    return { table: new TokenTable(known), secrets };
  }

  get size(): number {
    return this.known.length;
  }

  /** The caller an `Authorization: Bearer ...` header belongs to, or undefined. Every entry is compared. */
  authenticate(header: string | undefined): Caller | undefined {
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? "");
    const given = digest(match?.[1] ?? "");
    let found: Caller | undefined;
    for (const k of this.known) {
      // No early exit: the time taken does not depend on which token (if any) matched.
      if (timingSafeEqual(k.digest, given) && match) found = k.caller;
    }
    return found;
  }
}

/** Whether a caller may do what needs `role`. Every role may read. */
export function allows(caller: Caller, role: Role): boolean {
  return role === "viewer" ? caller.roles.size > 0 : caller.roles.has(role);
}
