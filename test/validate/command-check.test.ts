import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { groupAlive } from "../../src/process/process-group.js";
import { runCheck } from "../../src/validate/run-check.js";
import { plain, spec, timeOutOnClock } from "./servers.js";

const node = process.execPath;
const dir = realpathSync(mkdtempSync(join(tmpdir(), "backout-validate-")));

describe("command check with real programs", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes on exit 0 and shows the last line of output", async () => {
    const r = await runCheck(
      spec({ command: [node, "-e", "console.log('checking'); console.log('all good')"], retries: 0 }),
      plain,
    );
    expect(r).toMatchObject({ kind: "command", status: "pass" });
    expect(r.detail).toMatch(/^exit 0 in \d+ms: all good$/);
  });

  it("fails on a non-zero exit, with what the program said", async () => {
    const r = await runCheck(
      spec({
        command: [
          node,
          "-e",
          "console.log('some output'); console.error('replica lag 42s'); process.exit(3)",
        ],
        retries: 0,
      }),
      plain,
    );
    expect(r.status).toBe("fail");
    expect(r.detail).toMatch(/^exit 3 after \d+ms: replica lag 42s$/);
  });

  it("fails a command that runs past its timeout (on the clock), and kills its whole tree", async () => {
    const pids = join(dir, "hang.pids");
    // Starts a child of its own, writes both pids, and never ends: only the clock's timeout can.
    const hang =
      "const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });" +
      "require('fs').writeFileSync(process.argv[1], process.pid + ' ' + c.pid); setInterval(() => {}, 1000);";
    const r = await timeOutOnClock({ command: [node, "-e", hang, pids], timeout: "30s" }, () =>
      existsSync(pids),
    );
    expect(r.status).toBe("fail");
    expect(r.detail).toContain("did not finish within 30s (timeout; killed)");
    const [leader, child] = readFileSync(pids, "utf8").split(" ").map(Number);
    expect(child).toBeGreaterThan(0);
    // The program led its own process group; the check returned once that group was gone.
    expect(groupAlive({ pgid: leader ?? 0 })).toBe(false);
  });

  it("is an error when the program does not exist", async () => {
    const r = await runCheck(spec({ command: [join(dir, "no-such-program")], retries: 0 }), plain);
    expect(r.status).toBe("error");
    expect(r.detail).toContain("could not run");
    expect(r.detail).toContain("give the full path");
  });

  it("runs without a shell, in cwd, with the base env plus the check's env", async () => {
    const script =
      "const ok = process.argv[1] === '$(echo hi) ; exit 1' && process.cwd() === process.env.WANT_CWD" +
      " && process.env.BASE === 'base' && process.env.EXTRA === 'extra'; process.exit(ok ? 0 : 1)";
    const r = await runCheck(
      spec({
        command: [node, "-e", script, "$(echo hi) ; exit 1"],
        env: { EXTRA: "extra", WANT_CWD: dir },
        retries: 0,
      }),
      { ...plain, cwd: dir, env: { ...process.env, BASE: "base" } },
    );
    expect(r.status).toBe("pass");
  });

  it("names the check after the command, quoting arguments with spaces", async () => {
    const r = await runCheck(spec({ command: [node, "-e", "process.exit( 0 )"], retries: 0 }), plain);
    expect(r.name).toBe(`command ${node} -e "process.exit( 0 )"`);
  });
});
