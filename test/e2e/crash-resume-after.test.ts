import { describe } from "vitest";
import { killAtEveryJournalWrite } from "./crash-resume-env.js";

describe("SIGKILL of backout run after a journal write, then resume (real processes)", () => {
  killAtEveryJournalWrite("after");
});
