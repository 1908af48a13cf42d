import { describe, expect, it } from "vitest";
import { startCli, tempDir } from "./cli.js";

describe("a reader that closes the pipe early (backout … | head)", () => {
  it("ends quietly with the command's own exit code, no EPIPE stack trace", async () => {
    const dir = tempDir("pipe");
    const child = startCli(["--help"], { cwd: dir });
    // Close our end before the CLI writes: its writes meet a pipe with no reader (EPIPE).
    child.stdout?.destroy();
    const r = await child;
    expect(String(r.stderr)).not.toContain("EPIPE");
    expect(String(r.stderr)).not.toContain("Unhandled");
    expect(r.exitCode).toBe(0);
  });
});
