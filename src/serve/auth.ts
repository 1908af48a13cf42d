/**
 * Default-deny: every route declares the role it needs; one without a declaration needs the
 * highest. Then the per-token rate limit. Refusals are in the CLI's error shape.
 */
import type { FastifyInstance } from "fastify";
import { BackoutError } from "../core/errors.js";
import type { RateLimiter } from "./rate-limit.js";
import { allows, type TokenTable } from "./tokens.js";

export function installAuth(app: FastifyInstance, tokens: TokenTable, limiter: RateLimiter): void {
  app.decorateRequest("caller", undefined);
  app.addHook("onRequest", async (request, reply) => {
    // An unknown path needs any valid token (then 404): it tells an anonymous caller nothing.
    const role = request.is404 ? "viewer" : (request.routeOptions.config.role ?? "approver");
    if (role === "public") return;
    const caller = tokens.authenticate(request.headers.authorization);
    if (!caller) {
      void reply.header("www-authenticate", 'Bearer realm="backout"');
      throw new BackoutError("AUTH_FAILED", "missing or unknown bearer token", {
        hint: "Send `Authorization: Bearer <token>` with a token listed under serve.tokens in backout.yaml.",
      });
    }
    request.caller = caller;
    const wait = limiter.take(caller.name);
    if (wait !== undefined) {
      void reply.header("retry-after", String(Math.ceil(wait / 1000)));
      throw new BackoutError("RATE_LIMITED", `token ${caller.name} sent too many requests`, {
        hint: `Try again in ${Math.ceil(wait / 1000)} s (serve.rateLimit).`,
        retryable: true,
      });
    }
    if (!allows(caller, role)) {
      throw new BackoutError("FORBIDDEN", `token ${caller.name} lacks the ${role} role`, {
        hint: `Use a token with the ${role} role (serve.tokens[].roles).`,
      });
    }
  });
}
