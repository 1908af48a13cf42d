import { describe, it } from "vitest";
import { startCli } from "./cli.js";
import { environment, finish } from "./crash-resume-env.js";

describe("SIGKILL of backout run at a random moment, then resume (real processes)", () => {
  it.each(Array.from({ length: 8 }, (_, i) => i))(
    "killed at a random moment (#%i), then resumed",
    async () => {
      const dir = await environment();
      const child = startCli(["run"], { cwd: dir });
      const delay = 150 + Math.floor(Math.random() * 500);
      const timer = setTimeout(() => child.kill("SIGKILL"), delay);
      await child;
      clearTimeout(timer);
      await finish(dir);
    },
  );
});
