/**
 * `backout serve`: opens the environment like any command, then serves the API until SIGTERM
 * or SIGINT. The first signal stops accepting, ends the event streams (a client that does not take
 * the end within SHUTDOWN_GRACE_MS is cut off), lets running steps finish
 * (no new step starts; the rollback stays resumable) and exits; a second one cancels the running
 * steps (their process trees are ended) and exits as soon as they are.
 */
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { resolve } from "node:path";
import { openEngine, type GlobalOptions } from "../cli/context.js";
import { BackoutError, toBackoutError } from "../core/errors.js";
import { findInterrupted } from "../core/rollbacks.js";
import { AlertTriggers } from "./alerts/alert-triggers.js";
import { buildApp } from "./app.js";
import { serveSchema, toServeConfig } from "./config.js";
import type { ServeContext } from "./context.js";
import { FeedHub } from "./feed.js";
import { assertSafeListen, parseListen } from "./listen.js";
import { serveLogger } from "./logger.js";
import { ServeMetrics } from "./metrics.js";
import { endStreams, SHUTDOWN_GRACE_MS } from "./streams.js";
import { Runner } from "./runner.js";
import { TokenTable } from "./tokens.js";

export interface ServeOptions extends GlobalOptions {
  listen?: string;
  insecureListen?: boolean;
}

const FEED_POLL_MS = 250;

export async function serve(opts: ServeOptions): Promise<number> {
  const engine = await openEngine(opts, { warnInterrupted: false });
  const log = serveLogger(engine.redactor);
  logDeliveries(engine, log);
  // Stopped on every way out, or its timer would keep a server that failed to start alive.
  let stopFeed = (): void => undefined;
  try {
    const config = engine.config.serve ?? toServeConfig(serveSchema.parse({}));
    if (config.tokens.length === 0) {
      throw new BackoutError("USAGE", "backout serve needs at least one token under serve.tokens", {
        where: { file: engine.config.file, field: "serve.tokens" },
        hint: "Add serve: { tokens: [{ name: ops, env: BACKOUT_TOKEN_OPS, roles: [operator] }] } and set that variable.",
      });
    }
    const { table, secrets } = TokenTable.fromEnv(config, process.env);
    for (const s of secrets) engine.redactor.add(s);
    const addr = parseListen(opts.listen ?? config.listen);
    assertSafeListen(addr, config.tls !== undefined, Boolean(opts.insecureListen));
    const https = config.tls
      ? {
          cert: readFileSync(resolve(engine.config.baseDir, config.tls.cert)),
          key: readFileSync(resolve(engine.config.baseDir, config.tls.key)),
        }
      : undefined;
    const store = engine.store;
    if (!store.readFeed || !store.feedHead)
      throw new BackoutError("STORE_FAILED", "this store has no journal feed", {});
    const feed = new FeedHub(
      { readFeed: store.readFeed.bind(store), feedHead: store.feedHead.bind(store) },
      FEED_POLL_MS,
      (e) => log.error({ err: toBackoutError(e).toJSON() }, "reading the journal feed failed"),
    );
    stopFeed = () => feed.stop();
    await feed.start();
    const metrics = new ServeMetrics(engine);
    feed.subscribe(metrics.observe);
    const runner = new Runner(engine, {
      listener: () => feed.kick(),
      onOutcome: (o) =>
        log.info({ rollback: o.rollbackId, state: o.state, reason: o.reason }, "rollback stopped"),
      onFailure: (id, e) => log.error({ rollback: id, err: toBackoutError(e).toJSON() }, "rollback failed"),
    });
    const ctx: ServeContext = { engine, runner, feed, config, metrics, log };
    ctx.alerts = alertTriggers(ctx);
    const streams = new Set<ServerResponse>();
    const { app } = await buildApp({
      logger: log,
      tokens: table,
      ...(https ? { https } : {}),
      streams,
      context: ctx,
    });

    const stopped = stopOnSignals(
      log,
      async () => {
        feed.stop();
        // Stop listening first: Node's close destroys at once every connection whose response
        // is finished, so an event stream ended before it lost what its client had not taken
        // yet. The streams then get SHUTDOWN_GRACE_MS to deliver it, and a client that reads
        // nothing cannot hold the shutdown. fastify's own close tolerates the closed listener.
        const connections = new Promise<void>((r) => app.server.close(() => r()));
        const streamsEnded = endStreams(streams, engine.clock, (res) =>
          log.warn(
            { graceMs: SHUTDOWN_GRACE_MS, remotePort: res.socket?.remotePort },
            "event stream not drained at shutdown; its connection is closed",
          ),
        );
        await Promise.all([
          streamsEnded.then(() => Promise.all([app.close(), connections])),
          ctx.alerts?.stop(),
          runner.drain(),
        ]);
      },
      () => runner.abort(),
    );

    await app.listen({ host: addr.host, port: addr.port });
    log.info(
      {
        url: `${https ? "https" : "http"}://${addr.host.includes(":") ? `[${addr.host}]` : addr.host}:${addr.port}`,
        environment: engine.config.environment,
      },
      "listening",
    );
    await resumeInterrupted(ctx);
    await stopped;
    log.info("stopped");
    return 0;
  } finally {
    stopFeed();
    await engine.close();
  }
}

/**
 * Every notification attempt in the server log: the only record of one that belongs to no
 * rollback (a suppressed automatic rollback's notice) besides its outbox row. The outbox was
 * already being drained from startup (what earlier processes left); this pass is logged too.
 */
function logDeliveries(engine: ServeContext["engine"], log: ServeContext["log"]): void {
  engine.notify?.onAttempt((a) => {
    const fields = { notification: a };
    if (a.ok) log.info(fields, `notification "${a.about}" delivered to ${a.channel}`);
    else
      log.warn(
        fields,
        `notification "${a.about}" not delivered to ${a.channel}${a.retrying ? "; retried later" : "; given up"}`,
      );
  });
  engine.notify?.queued();
}

/** The alert webhook's decisions live in the store (dedupe, cooldown and limit survive restarts). */
function alertTriggers(ctx: ServeContext): AlertTriggers {
  const s = ctx.engine.store;
  if (!s.recordAlertDecision || !s.settleAlertDecision || !s.alertDecisions)
    throw new BackoutError("STORE_FAILED", "this store cannot record alert decisions", {});
  return new AlertTriggers(ctx, {
    recordAlertDecision: s.recordAlertDecision.bind(s),
    settleAlertDecision: s.settleAlertDecision.bind(s),
    alertDecisions: s.alertDecisions.bind(s),
  });
}

/** Per serve.resumeInterrupted: what a dead process (this server before a crash, a CLI) left behind. */
async function resumeInterrupted(ctx: ServeContext): Promise<void> {
  for (const { record, why } of await findInterrupted(ctx.engine)) {
    if (ctx.config.resumeInterrupted === "manual") {
      ctx.log.warn(
        { rollback: record.id, why },
        `rollback ${record.id} was interrupted; POST /api/v1/rollbacks/${record.id}/resume or cancel`,
      );
      continue;
    }
    try {
      await ctx.runner.resume(record.id, "serve@resumeInterrupted");
      ctx.log.warn(
        { rollback: record.id, why },
        `rollback ${record.id} was interrupted; resuming it (serve.resumeInterrupted: auto)`,
      );
    } catch (e) {
      ctx.log.error(
        { rollback: record.id, err: toBackoutError(e).toJSON() },
        "could not resume an interrupted rollback",
      );
    }
  }
}

function stopOnSignals(
  log: ServeContext["log"],
  drain: () => Promise<void>,
  abort: () => void,
): Promise<void> {
  return new Promise((resolveStop) => {
    let draining = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (draining) {
        log.warn({ signal }, "second stop signal: cancelling running steps (the rollback stays resumable)");
        abort();
        return;
      }
      draining = true;
      log.info(
        { signal },
        "stopping: no new requests or steps; running steps finish (send it again to cancel them)",
      );
      drain().then(
        () => resolveStop(),
        (e: unknown) => {
          log.error({ err: toBackoutError(e).toJSON() }, "shutdown failed");
          resolveStop();
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
