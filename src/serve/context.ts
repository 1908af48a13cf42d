import type { FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { actorId, type Actor } from "../core/actor.js";
import type { Engine } from "../core/engine.js";
import { BackoutError } from "../core/errors.js";
import type { AlertTriggers } from "./alerts/alert-triggers.js";
import type { ServeConfig, Role } from "./config.js";
import type { FeedHub } from "./feed.js";
import type { ServeMetrics } from "./metrics.js";
import type { Runner } from "./runner.js";
import type { Caller } from "./tokens.js";

/** What every route needs: the one engine (store, lock, journal) the CLI uses too. */
export interface ServeContext {
  engine: Engine;
  runner: Runner;
  feed: FeedHub;
  config: ServeConfig;
  metrics: ServeMetrics;
  log: Logger;
  /** Alert-driven rollback (POST /alerts/alertmanager); set once the context exists. */
  alerts?: AlertTriggers;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The least role a route needs; "public" needs no token. */
    role?: Role | "public";
  }
  interface FastifyRequest {
    caller: Caller | undefined;
  }
}

/** The authenticated caller (the auth hook ran before any handler of a non-public route). */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new BackoutError("AUTH_FAILED", "no valid bearer token", {});
  return request.caller;
}

/** Who makes a change through the API: the token's name, on the serve channel. */
export function actorOf(request: FastifyRequest): Actor {
  return { name: callerOf(request).name, via: "serve" };
}

/** How the journal names a change made through the API: `TOKEN@serve` (see core/actor.ts). */
export function who(request: FastifyRequest): string {
  return actorId(actorOf(request));
}
