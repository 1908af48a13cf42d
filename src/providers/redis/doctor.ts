/** `backout doctor` for Redis: reachable with the URL's credentials, and the server answering PING. */
import { checked, type DoctorCheck } from "../../core/doctor-check.js";
import type { ProviderContext } from "../../core/provider.js";
import { withRedis } from "./client.js";
import { readSettings, type RedisSettings } from "./settings.js";

export async function doctorRedis(ctx: ProviderContext<RedisSettings>): Promise<DoctorCheck[]> {
  const settings = readSettings(ctx);
  return [
    await checked("reachable", () =>
      withRedis(ctx, settings, { component: ctx.component.name }, async ({ redis, target }) => {
        const pong = await redis.ping();
        return `${target.safeUrl} answers ${pong}`;
      }),
    ),
  ];
}
