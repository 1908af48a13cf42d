/** `backout doctor` for nginx: the include backout owns, `nginx -t`, and the probe answering now. */
import { readFile } from "node:fs/promises";
import { checked, fail, warn, type DoctorCheck } from "../../core/doctor-check.js";
import type { ProviderContext } from "../../core/provider.js";
import { captureNginx } from "./capture.js";
import { nginxSaid, pathsOf, runNginx } from "./nginx-cli.js";
import { expectationFor, probeOnceTimed } from "./probe.js";
import { readSettings, type NginxSettings } from "./settings.js";

export async function doctorNginx(ctx: ProviderContext<NginxSettings>): Promise<DoctorCheck[]> {
  const settings = readSettings(ctx);
  const paths = pathsOf(ctx, settings);
  const checks: DoctorCheck[] = [];
  let state: { pool: string; maintenance: boolean } | undefined;
  checks.push(
    await checked("include file", async () => {
      const captured = await captureNginx(ctx);
      state = { pool: captured.version, maintenance: captured.details?.maintenance === true };
      const extra = state.maintenance ? ", maintenance on" : "";
      return `${paths.include} written by backout: pool ${captured.version}${extra}`;
    }),
  );
  checks.push(
    await checked("included by nginx.conf", async () => {
      const conf = await readFile(paths.config, "utf8");
      if (conf.includes(paths.include) || conf.includes(settings.include))
        return `${paths.config} includes it`;
      return warn(
        "included by nginx.conf",
        `${paths.config} does not name ${paths.include} (it may come in through another include)`,
        `Add \`include ${paths.include};\` inside http {} of ${paths.config}, and use $${settings.variablePrefix}_maintenance and upstream ${settings.upstream} in the server block (see docs/nginx.md).`,
      );
    }),
  );
  checks.push(
    await checked("nginx -t", async () => {
      const out = await runNginx({ ctx, settings, paths }, ["-t"]);
      if (out.exitCode === 0) return `${paths.binary} -t accepts ${paths.config}`;
      return fail(
        "nginx -t",
        ctx.redact(nginxSaid(out)),
        "Fix what nginx names (file and line) before relying on a rollback: a rollback that cannot reload nginx keeps the old pool.",
      );
    }),
  );
  if (state !== undefined) {
    const { pool, maintenance } = state;
    checks.push(
      await checked("probe", async () => {
        const expected = expectationFor(settings.probe, pool, maintenance);
        const r = await probeOnceTimed(ctx, settings.probe, expected);
        const url = ctx.redact(settings.probe.url);
        if (r.ok) return `${url} answers ${r.detail}`;
        return fail(
          "probe",
          `${url} answers ${r.detail}; expected status ${expected.status}${expected.pool === undefined ? "" : `, ${settings.probe.poolHeader} ${expected.pool}`}`,
          "Check probe.url (nginx's listen address), that the server block proxies to the upstream and sets the pool header (add_header ... always).",
        );
      }),
    );
  }
  return checks;
}
