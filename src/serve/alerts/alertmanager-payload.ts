/**
 * The body Alertmanager's webhook receiver POSTs (notify/webhook, payload version "4"): one
 * notification for one alert group, with every alert of the group, firing and resolved.
 * Unknown fields are kept out of the way (passthrough), so a newer Alertmanager adding fields
 * is still understood; a missing or mistyped field we rely on is a 400 naming it.
 */
import * as z from "zod";

const labels = z.record(z.string(), z.string());

const alert = z
  .object({
    status: z.enum(["firing", "resolved"]),
    labels,
    annotations: labels.default({}),
    startsAt: z.string().min(1),
    endsAt: z.string().default(""),
    generatorURL: z.string().optional(),
    fingerprint: z.string().min(1).max(200),
  })
  .loose();

export const alertmanagerPayload = z
  .object({
    version: z.literal("4", { error: 'Alertmanager webhook payload version "4" expected' }),
    groupKey: z.string().min(1).max(4096),
    truncatedAlerts: z.number().int().min(0).optional(),
    status: z.enum(["firing", "resolved"]),
    receiver: z.string(),
    groupLabels: labels,
    commonLabels: labels,
    commonAnnotations: labels.optional(),
    externalURL: z.string().optional(),
    alerts: z.array(alert).max(1000),
  })
  .loose()
  .meta({ description: "Alertmanager webhook payload, version 4" });

export type AlertmanagerPayload = z.output<typeof alertmanagerPayload>;
export type AlertmanagerAlert = AlertmanagerPayload["alerts"][number];
