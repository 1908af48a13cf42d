/**
 * Alertmanager webhook bodies as Alertmanager 0.25 sends them, and posting them to a real
 * server's POST /api/v1/alerts/alertmanager.
 */
import { expect } from "vitest";
import type { ServerProcess } from "./server-process.js";

export interface AlertSpec {
  name: string;
  fingerprint: string;
  startsAt?: string;
  status?: "firing" | "resolved";
  severity?: string;
}

export function alertPayload(alerts: AlertSpec[], groupKey = '{}:{alertname="x"}') {
  const list = alerts.map((a) => ({
    status: a.status ?? "firing",
    labels: { alertname: a.name, severity: a.severity ?? "page", job: "app" },
    annotations: { summary: `${a.name} is firing` },
    startsAt: a.startsAt ?? "2026-12-02T06:00:00.000Z",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus.test/graph",
    fingerprint: a.fingerprint,
  }));
  return {
    receiver: "backout",
    status: list.some((a) => a.status === "firing") ? "firing" : "resolved",
    alerts: list,
    groupLabels: { alertname: alerts[0]?.name ?? "" },
    commonLabels: { job: "app" },
    commonAnnotations: {},
    externalURL: "http://alertmanager.test:9093",
    version: "4",
    groupKey,
    truncatedAlerts: 0,
  };
}

export interface AlertResult {
  outcome: string;
  reason: string;
  trigger?: string;
  rollbackId?: string;
}

/** Posts a payload with the alerts token; expects 200 and returns the per-alert results. */
export async function postAlerts(
  server: ServerProcess,
  token: string,
  body: unknown,
): Promise<AlertResult[]> {
  const r = await server.call("POST", "/api/v1/alerts/alertmanager", { token, body });
  expect(r.status, r.text).toBe(200);
  return (JSON.parse(r.text) as { results: AlertResult[] }).results;
}
