import { createHash } from "node:crypto";
import * as z from "zod";
import type { ComponentState } from "../../core/model.js";
import type { FileFacts } from "./snapshot.js";

const factsSchema = z.object({
  sha: z.string(),
  mode: z
    .string()
    .regex(/^0[0-7]{3,4}$/)
    .optional(),
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
});

const detailsSchema = z.object({ files: z.record(z.string(), factsSchema) });

export type FileMap = Record<string, FileFacts>;

/** Short hash over every path, content hash and mode: equal versions mean nothing to restore. */
export function versionOf(files: FileMap): string {
  const h = createHash("sha256");
  for (const path of Object.keys(files).sort()) {
    const f = files[path];
    h.update(`${path}\0${f?.sha ?? ""}\0${f?.mode ?? ""}\n`);
  }
  return h.digest("hex").slice(0, 16);
}

export function stateOf(files: FileMap): ComponentState {
  return { version: versionOf(files), details: { files: { ...files } } };
}

/** The file map of a captured state; undefined when the state was not made by this provider. */
export function filesOf(state: ComponentState): FileMap | undefined {
  const parsed = detailsSchema.safeParse(state.details);
  return parsed.success ? parsed.data.files : undefined;
}

export function modeBits(mode: string | undefined): number | undefined {
  return mode === undefined ? undefined : parseInt(mode, 8);
}
