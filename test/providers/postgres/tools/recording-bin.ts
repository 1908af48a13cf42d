/**
 * A directory of stand-in PostgreSQL client programs (real processes) that append their argv and
 * PGPASSWORD to a file: what `ps` would show of them, and what they would authenticate with.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../support/temp-dir.js";

export interface RecordedRun {
  args: string[];
  /** undefined: not set. */
  password: string | undefined;
}

export interface RecordingBin {
  bin: string;
  /** Every run so far, in order. */
  runs: () => RecordedRun[];
}

export function recordingBin(...programs: string[]): RecordingBin {
  const bin = tempDir("pg-bin");
  const record = join(bin, "record");
  for (const name of programs) {
    const script = join(bin, name);
    writeFileSync(
      script,
      `#!/bin/sh\n{ echo run; printf 'PGPASSWORD=%s\\n' "\${PGPASSWORD-<unset>}"; for a in "$@"; do printf 'arg=%s\\n' "$a"; done; } >> '${record}'\n`,
    );
    chmodSync(script, 0o755);
  }
  return {
    bin,
    runs: () =>
      existsSync(record)
        ? readFileSync(record, "utf8")
            .split("run\n")
            .slice(1)
            .map((r) => {
              const lines = r.split("\n");
              const password = lines[0]?.replace(/^PGPASSWORD=/, "");
              return {
                args: lines.filter((l) => l.startsWith("arg=")).map((l) => l.slice(4)),
                password: password === "<unset>" ? undefined : password,
              };
            })
        : [],
  };
}
