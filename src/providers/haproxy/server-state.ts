import * as z from "zod";

/** What backout manages of one server: its administrative state and its user weight. */
export const serverStates = ["ready", "drain", "maint"] as const;
export type ServerStateName = (typeof serverStates)[number];

export const serverSchema = z.strictObject({
  state: z.enum(serverStates),
  weight: z.number().int().min(0).max(256),
});
export type Server = z.output<typeof serverSchema>;
export type Servers = Record<string, Server>;

// srv_admin_state bits (HAProxy's SRV_ADMF_*). Configuration maintenance (0x04, `disabled`)
// is only a marker once the server was set ready at runtime, so it is not part of the mask.
const ADMIN_MAINT = 0x01 | 0x02 | 0x20; // forced, inherited (track), DNS resolution failure
const ADMIN_DRAIN = 0x08 | 0x10; // forced, inherited

export function stateFromAdmin(admin: number): ServerStateName {
  if ((admin & ADMIN_MAINT) !== 0) return "maint";
  if ((admin & ADMIN_DRAIN) !== 0) return "drain";
  return "ready";
}

/** "web1=ready/100,web2=maint/0": sorted by name, so equal states give equal versions. */
export function versionOf(servers: Servers): string {
  return Object.keys(servers)
    .sort()
    .map((name) => {
      const s = servers[name];
      return s ? `${name}=${s.state}/${s.weight}` : "";
    })
    .join(",");
}

/** The inverse of versionOf, for a checkpoint that kept only the version; undefined when it is not one. */
export function parseVersion(version: string): Servers | undefined {
  const out: Servers = {};
  for (const part of version.split(",")) {
    const m = /^([A-Za-z0-9_.:-]+)=(ready|drain|maint)\/(\d{1,3})$/.exec(part);
    if (!m?.[1] || !m[2] || !m[3]) return undefined;
    const parsed = serverSchema.safeParse({ state: m[2], weight: Number(m[3]) });
    if (!parsed.success) return undefined;
    out[m[1]] = parsed.data;
  }
  return out;
}

export function sameServer(a: Server | undefined, b: Server | undefined): boolean {
  return a !== undefined && b !== undefined && a.state === b.state && a.weight === b.weight;
}

/** Names in `want` whose live state differs (missing ones included). */
export function differing(live: Servers, want: Servers): string[] {
  return Object.keys(want)
    .sort()
    .filter((name) => !sameServer(live[name], want[name]));
}

/** Only the named servers (those present). */
export function pick(servers: Servers, names: readonly string[]): Servers {
  const out: Servers = {};
  for (const name of names) {
    const s = servers[name];
    if (s) out[name] = s;
  }
  return out;
}
