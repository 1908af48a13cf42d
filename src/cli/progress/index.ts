/** Live rollback output: a task list on terminals, plain lines in logs, JSON lines for scripts. */
export {
  createProgressRenderer,
  type ProgressMode,
  type ProgressOptions,
  type ProgressRenderer,
} from "./progress-renderer.js";
export { formatProgressLine } from "./progress-line.js";
export { formatEventLine } from "./event-line.js";
export { compactEntry } from "./json-renderer.js";
