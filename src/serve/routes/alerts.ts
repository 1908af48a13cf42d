/**
 * POST /api/v1/alerts/alertmanager: Alertmanager's webhook receiver (payload version 4), for
 * a token with the `alerts` role (Alertmanager's http_config.authorization sends it). Answers
 * 200 with what was decided for each alert; Alertmanager only needs the 2xx, people and tests
 * read the rest. A malformed body is a 400 naming the field, and nothing is decided.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import * as z from "zod";
import { alertmanagerPayload } from "../alerts/alertmanager-payload.js";
import type { AlertTriggers } from "../alerts/alert-triggers.js";
import { who, type ServeContext } from "../context.js";
import { anyJson, errorSchema } from "../schemas.js";

export function alertRoutes(app: FastifyInstance, ctx: ServeContext, triggers: AlertTriggers): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    "/alerts/alertmanager",
    {
      config: { role: "alerts" },
      schema: {
        summary: "Alertmanager webhook (version 4): firing alerts matched by `triggers:` start rollbacks",
        body: alertmanagerPayload,
        response: { 200: z.object({ results: z.array(anyJson) }), "4xx": errorSchema },
      },
    },
    async (req) => ({ results: ctx.engine.redactor.redactValue(await triggers.handle(req.body, who(req))) }),
  );
}
