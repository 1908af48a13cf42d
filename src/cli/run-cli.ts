import { CommanderError } from "commander";
import { EXIT } from "./exit-codes.js";
import { reportError } from "./output.js";
import { createProgram } from "./program.js";

/**
 * The `backout` command: parses argv with the program (program.ts) and sets the exit code.
 * A reader that goes away early (`backout history | head`) closes the pipe. Writing then fails
 * with EPIPE: stop writing quietly instead of dying with a stack trace. A running rollback goes
 * on (its journal, not its output, is the record); it must not stop because a pager closed.
 */
export async function runCli(argv: string[]): Promise<void> {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") throw e;
    });
  }
  const program = createProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      const ok =
        e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help";
      process.exitCode = ok ? EXIT.ok : EXIT.usage;
    } else {
      process.exitCode = reportError(e, false);
    }
  }
}
