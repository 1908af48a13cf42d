/**
 * Changes, through the same engine calls as the CLI. Each is recorded with the token's name:
 * in the journal (rollbacks) or in the checkpoint audit, written with the change (checkpoints).
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { approveRollback, cancelRollback, requireRollback } from "../../core/rollbacks.js";
import { actorOf, who, type ServeContext } from "../context.js";
import {
  anyJson,
  approveBody,
  checkpointBody,
  emptyBody,
  errorSchema,
  idParams,
  planQuery,
  refParams,
  runBody,
} from "../schemas.js";

export function writeRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { engine, runner } = ctx;
  const json = <T>(v: T): T => engine.redactor.redactValue(v);
  const operator = { role: "operator" as const };
  const responses = { 200: anyJson, 202: anyJson, "4xx": errorSchema };

  r.get(
    "/plan",
    {
      config: operator,
      schema: {
        summary: "The plan (steps, risk, hash) from the live state; changes nothing",
        querystring: planQuery,
        response: responses,
      },
    },
    async (req) =>
      json(
        await engine.plan({
          ...(req.query.to ? { target: req.query.to } : {}),
          only: req.query.only ?? [],
          except: req.query.except ?? [],
        }),
      ),
  );

  r.post(
    "/checkpoints",
    { config: operator, schema: { summary: "Take a checkpoint", body: checkpointBody, response: responses } },
    async (req) => {
      const cp = await engine.checkpoint({
        ...(req.body.name ? { name: req.body.name } : {}),
        good: req.body.good,
        allowPartial: req.body.allowPartial,
        by: actorOf(req),
      });
      req.log.info(
        { audit: "checkpoint", by: who(req), checkpoint: cp.id, good: cp.good },
        "checkpoint taken",
      );
      return json(cp);
    },
  );

  r.put(
    "/checkpoints/:ref/good",
    {
      config: operator,
      schema: { summary: "Mark a checkpoint good", params: refParams, body: emptyBody, response: responses },
    },
    async (req) => {
      const res = await engine.markGood(req.params.ref, actorOf(req));
      req.log.info(
        { audit: "mark-good", by: who(req), checkpoint: res.checkpoint.id },
        "checkpoint marked good",
      );
      return json(res);
    },
  );

  r.delete(
    "/checkpoints/:ref/good",
    {
      config: operator,
      schema: { summary: "Take the good mark away", params: refParams, response: responses },
    },
    async (req) => {
      const res = await engine.unmarkGood(req.params.ref, actorOf(req));
      req.log.info(
        { audit: "unmark-good", by: who(req), checkpoint: res.checkpoint.id },
        "good mark taken away",
      );
      return json(res);
    },
  );

  r.post(
    "/rollbacks",
    {
      config: operator,
      schema: {
        summary: "Plan and run a rollback (answers once it is queued)",
        body: runBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const started = await runner.run(
        {
          ...(req.body.to ? { target: req.body.to } : {}),
          only: req.body.only ?? [],
          except: req.body.except ?? [],
        },
        who(req),
      );
      return reply
        .code(202)
        .send(json({ rollbackId: started.rollbackId, planHash: started.plan.hash, plan: started.plan }));
    },
  );

  r.post(
    "/rollbacks/:id/resume",
    {
      config: operator,
      schema: {
        summary: "Continue an interrupted rollback",
        params: idParams,
        body: emptyBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const started = await runner.resume(req.params.id, who(req));
      return reply.code(202).send(json({ rollbackId: started.rollbackId, planHash: started.plan.hash }));
    },
  );

  r.post(
    "/rollbacks/:id/cancel",
    {
      config: operator,
      schema: {
        summary: "End a queued, waiting or interrupted rollback",
        params: idParams,
        body: emptyBody,
        response: responses,
      },
    },
    async (req) => {
      // Queued here, its wait for the lock counted as running here, and cancel was refused.
      const record = await requireRollback(engine, req.params.id);
      if (record.state === "queued") await runner.withdraw(record.id);
      await cancelRollback(engine, req.params.id, who(req));
      return json({ rollbackId: req.params.id, state: "cancelled" });
    },
  );

  r.post(
    "/rollbacks/:id/approve",
    {
      config: { role: "approver" },
      schema: {
        summary: "Confirm a data-loss plan by its hash, then continue it",
        params: idParams,
        body: approveBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const by = who(req);
      // serve.fourEyes is the engine's: the same rule for the CLI's approve.
      await approveRollback(engine, id, req.body.planHash, by);
      const started = await runner.resume(id, by);
      return reply
        .code(202)
        .send(json({ rollbackId: started.rollbackId, planHash: started.plan.hash, approvedBy: by }));
    },
  );
}
