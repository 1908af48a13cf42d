/** What viewers may read: status, checkpoints, rollbacks with their journals, reports. */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { statusData } from "../../cli/status-data.js";
import { checkpointWithEvents } from "../../core/checkpoint-audit.js";
import { requireRollback } from "../../core/rollbacks.js";
import { foldJournal } from "../../report/fold-journal.js";
import { renderReport } from "../../report/render.js";
import type { ServeContext } from "../context.js";
import { sharedResult } from "../shared-result.js";
import {
  anyJson,
  checkpointHistorySchema,
  errorSchema,
  idParams,
  limitQuery,
  refParams,
  reportQuery,
} from "../schemas.js";

const STATUS_MAX_AGE_MS = 250;

const TYPES = {
  md: "text/markdown; charset=utf-8",
  json: "application/json; charset=utf-8",
  html: "text/html; charset=utf-8",
};

export function readRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { engine } = ctx;
  const json = <T>(v: T): T => engine.redactor.redactValue(v);
  const viewer = { role: "viewer" as const };
  const responses = { 200: anyJson, "4xx": errorSchema };
  // At most 250 ms old: status is polled by dashboards and monitors, often many at once.
  const status = sharedResult(STATUS_MAX_AGE_MS, () => statusData(engine));

  r.get(
    "/status",
    {
      config: viewer,
      schema: {
        summary: "Lock, queue, interrupted and latest rollbacks, last good checkpoint",
        response: responses,
      },
    },
    async () => json({ ...(await status()), server: { pid: process.pid, running: ctx.runner.size } }),
  );

  r.get(
    "/checkpoints",
    {
      config: viewer,
      schema: { summary: "Checkpoints, newest first", querystring: limitQuery, response: responses },
    },
    async (req) => json(await engine.store.listCheckpoints(req.query.limit)),
  );

  r.get(
    "/checkpoints/:ref",
    {
      config: viewer,
      schema: {
        summary: "One checkpoint (by id or name) with its audit: who took, marked and unmarked it",
        params: refParams,
        response: { 200: checkpointHistorySchema, "4xx": errorSchema },
      },
    },
    async (req) => json(await checkpointWithEvents(engine, req.params.ref)),
  );

  r.get(
    "/rollbacks",
    {
      config: viewer,
      schema: { summary: "Rollbacks, newest first", querystring: limitQuery, response: responses },
    },
    async (req) => {
      const list = await engine.store.listRollbacks({ limit: req.query.limit });
      return json(
        list.map((x) => ({
          id: x.id,
          state: x.state,
          createdAt: x.createdAt,
          updatedAt: x.updatedAt,
          checkpointId: x.checkpointId,
          planHash: x.planHash,
          steps: x.plan.steps.length,
        })),
      );
    },
  );

  r.get(
    "/rollbacks/:id",
    {
      config: viewer,
      schema: {
        summary: "One rollback: its folded state and its journal",
        params: idParams,
        response: responses,
      },
    },
    async (req) => {
      const record = await requireRollback(engine, req.params.id);
      const events = await engine.store.readJournal(record.id);
      return json({ rollback: foldJournal(record.id, events), events });
    },
  );

  r.get(
    "/rollbacks/:id/report",
    {
      config: viewer,
      schema: { summary: "The report (md, json or html)", params: idParams, querystring: reportQuery },
    },
    async (req, reply) => {
      const record = await requireRollback(engine, req.params.id);
      const text = await renderReport(record.id, await engine.store.readJournal(record.id), req.query.format);
      return reply.type(TYPES[req.query.format]).send(engine.redact(text));
    },
  );
}
