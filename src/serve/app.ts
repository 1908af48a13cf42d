/**
 * The HTTP application: zod-validated routes under /api/v1, default-deny auth, the CLI's error
 * shape, /metrics and the OpenAPI document built from the same schemas. No CORS headers: a
 * browser page from another origin cannot call it.
 */
import fastifySwagger from "@fastify/swagger";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { ServerResponse } from "node:http";
import type { Logger } from "pino";
import { BackoutError } from "../core/errors.js";
import { installAuth } from "./auth.js";
import { dashboardApi, dashboardPages } from "./dashboard/routes.js";
import type { ServeContext } from "./context.js";
import { errorBody, toHttpError } from "./http-errors.js";
import { RateLimiter } from "./rate-limit.js";
import { alertRoutes } from "./routes/alerts.js";
import { eventRoutes } from "./routes/events.js";
import { readRoutes } from "./routes/read.js";
import { writeRoutes } from "./routes/write.js";
import type { TokenTable } from "./tokens.js";

export interface AppOptions {
  logger: Logger;
  tokens: TokenTable;
  https?: { cert: Buffer; key: Buffer };
  /** SSE responses, ended by the shutdown (they never finish on their own). */
  streams: Set<ServerResponse>;
  context: ServeContext;
}

/**
 * Longest id in a path, percent-encoded: the schemas allow 200 characters (schemas.ts), which
 * fastify's default of 100 cut off before they were read; 200 characters of 3-byte UTF-8 take 1800.
 */
const MAX_PARAM_LENGTH = 2000;

export async function buildApp(o: AppOptions): Promise<{ app: FastifyInstance; ctx: ServeContext }> {
  const redact = (v: ReturnType<BackoutError["toJSON"]>) => o.context.engine.redactor.redactValue(v);
  const app = Fastify({
    loggerInstance: o.logger,
    bodyLimit: o.context.config.bodyLimit,
    maxParamLength: MAX_PARAM_LENGTH,
    // What the router refuses before any route (bad percent-encoding, an over-long id) in our
    // shape too: fastify's own answer echoed the whole path and its FST_ codes.
    frameworkErrors: (e: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      const { status, error } = toHttpError(e);
      void reply.code(status).send(errorBody(error, redact));
    },
    ...(o.https ? { https: o.https } : {}),
    return503OnClosing: true,
    forceCloseConnections: "idle",
  }) as unknown as FastifyInstance;
  const ctx = o.context;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((e, req, reply) => {
    const { status, error } = toHttpError(e);
    if (status >= 500) req.log.error({ err: error.toJSON() }, "request failed");
    return reply.code(status).send(errorBody(error, redact));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(
      errorBody(
        new BackoutError("USAGE", `no such endpoint: ${req.method} ${req.url.split("?")[0] ?? ""}`, {
          hint: "The API is under /api/v1; see /api/v1/openapi.json.",
        }),
        redact,
      ),
    ),
  );
  installAuth(
    app,
    o.tokens,
    new RateLimiter(ctx.config.rateLimit.requests, ctx.config.rateLimit.windowMs, () => Date.now()),
  );
  app.addHook("onResponse", async (req, reply) => {
    ctx.metrics.request(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode);
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "backout", description: "backout serve: the rollback engine over HTTP", version: "1" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  await app.register(
    (api, _opts, done) => {
      readRoutes(api, ctx);
      writeRoutes(api, ctx);
      eventRoutes(api, ctx, o.streams);
      dashboardApi(api, ctx);
      if (ctx.alerts) alertRoutes(api, ctx, ctx.alerts);
      api.get("/openapi.json", { config: { role: "viewer" }, schema: { hide: true } }, () => app.swagger());
      done();
    },
    { prefix: "/api/v1" },
  );
  app.get("/metrics", { config: { role: "viewer" }, schema: { hide: true } }, async (_req, reply) =>
    reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  );
  dashboardPages(app);
  app.get("/healthz", { config: { role: "public" }, schema: { hide: true } }, () => ({ ok: true }));
  await app.ready();
  return { app, ctx };
}
