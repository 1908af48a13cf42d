/** `backout doctor` for a file component: every listed file readable (a missing one is captured as absent). */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { checked, fail, pass, warn, type DoctorCheck } from "../../core/doctor-check.js";
import type { ProviderContext } from "../../core/provider.js";
import { captureFiles } from "./capture.js";
import { readSettings, type FileSettings } from "./settings.js";

async function fileCheck(path: string): Promise<DoctorCheck> {
  const name = `file ${path}`;
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => e);
  if (info instanceof Error) {
    if (info.code === "ENOENT") {
      return warn(
        name,
        "does not exist (a checkpoint records it as absent)",
        "Check the path in files: if it should exist.",
      );
    }
    return fail(name, `cannot be read: ${info.code ?? info.message}`, "Let backout's user read it.");
  }
  if (!info.isFile())
    return fail(name, "is not a regular file", "List files, not directories, under files:.");
  try {
    await access(path, constants.R_OK);
    return pass(name, `${info.size} bytes, readable`);
  } catch {
    return fail(name, "is not readable", "Let backout's user read it (a checkpoint copies it).");
  }
}

export async function doctorFiles(ctx: ProviderContext<FileSettings>): Promise<DoctorCheck[]> {
  const settings = readSettings(ctx);
  const paths = settings.files.map((f) => (isAbsolute(f) ? f : resolve(ctx.baseDir, f)));
  return [
    ...(await Promise.all(paths.map(fileCheck))),
    await checked(
      "capture",
      async () => `captured (version ${(await captureFiles(ctx)).version.slice(0, 12)})`,
    ),
  ];
}
