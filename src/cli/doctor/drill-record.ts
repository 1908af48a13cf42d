/**
 * When each component's drill last ran and whether it was clean, kept next to the store
 * (drills.json) so `backout doctor` can say how old the proof is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeAtomically } from "../../fs/atomic-write.js";

export interface DrillRecord {
  at: number;
  clean: boolean;
}

const FILE = "drills.json";

export function readDrillRecords(storeDir: string): Record<string, DrillRecord> {
  try {
    return JSON.parse(readFileSync(join(storeDir, FILE), "utf8")) as Record<string, DrillRecord>;
  } catch {
    return {};
  }
}

export async function recordDrills(storeDir: string, results: Record<string, DrillRecord>): Promise<void> {
  const content = `${JSON.stringify({ ...readDrillRecords(storeDir), ...results })}\n`;
  await writeAtomically({ path: join(storeDir, FILE), content: Buffer.from(content), mode: 0o600 });
}
