/**
 * The dashboard: a few static files under /ui (no token needed to load them: they hold no data,
 * and the token is typed into the page), and two read endpoints made for it. The page's
 * Content-Security-Policy allows only this origin's own script, style and connections, so no
 * external resource can load and no injected markup can run.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import * as z from "zod";
import { requireRollback } from "../../core/rollbacks.js";
import { REPORT_CSS } from "../../report/html/styles.js";
import { callerOf, type ServeContext } from "../context.js";
import { anyJson, errorSchema, idParams } from "../schemas.js";
import { liveRollback } from "./live.js";

export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "api.js": "text/javascript; charset=utf-8",
  "sse.js": "text/javascript; charset=utf-8",
  "dom.js": "text/javascript; charset=utf-8",
  "views.js": "text/javascript; charset=utf-8",
  "actions.js": "text/javascript; charset=utf-8",
};

/** The report's timeline rules, so the live timeline looks like the one in the HTML report. */
const TIMELINE_CSS = REPORT_CSS.split("\n")
  .filter((l) => l.startsWith(":root") || l.startsWith("#timeline") || l.startsWith(".legend-row"))
  .join("\n");

function loadAssets(): Map<string, { type: string; body: string }> {
  const files = new Map<string, { type: string; body: string }>();
  for (const [name, type] of Object.entries(ASSETS)) {
    let body = readFileSync(new URL(`./assets/${name}`, import.meta.url), "utf8");
    if (name === "app.css") body = `${TIMELINE_CSS}\n${body}`;
    files.set(name, { type, body });
  }
  return files;
}

/** Static files at the root (outside /api/v1); `/ui/:file?` also answers /ui and /ui/. */
export function dashboardPages(app: FastifyInstance): void {
  const files = loadAssets();
  const pub = { role: "public" as const };
  app.get("/", { config: pub, schema: { hide: true } }, (_req, reply) => reply.redirect("/ui/"));
  app.get<{ Params: { file?: string } }>(
    "/ui/:file?",
    { config: pub, schema: { hide: true } },
    (req, reply) => {
      const f = files.get(req.params.file || "index.html");
      if (!f) return reply.code(404).type("text/plain").send("not found");
      return reply
        .header("content-security-policy", DASHBOARD_CSP)
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .header("x-frame-options", "DENY")
        .header("cache-control", "no-cache")
        .type(f.type)
        .send(f.body);
    },
  );
}

/** Under /api/v1: who the token is (the page greys out what its roles cannot do) and one rollback live. */
export function dashboardApi(app: FastifyInstance, ctx: ServeContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const viewer = { role: "viewer" as const };
  const responses = { 200: anyJson, "4xx": errorSchema };
  r.get(
    "/whoami",
    {
      config: viewer,
      schema: {
        summary: "The token's name and roles",
        response: { 200: z.object({ name: z.string(), roles: z.array(z.string()) }), "4xx": errorSchema },
      },
    },
    (req) => {
      const c = callerOf(req);
      return { name: c.name, roles: [...c.roles] };
    },
  );
  r.get(
    "/rollbacks/:id/live",
    {
      config: viewer,
      schema: {
        summary: "One rollback folded, with the CLI's progress line and the report's timeline SVG",
        params: idParams,
        response: responses,
      },
    },
    async (req) => {
      const record = await requireRollback(ctx.engine, req.params.id);
      const entries = await ctx.engine.store.readJournal(record.id);
      return ctx.engine.redactor.redactValue(liveRollback(record.id, entries));
    },
  );
}
