/** Restore-and-replay, capture side: what the provider wires in (checkpoint hook, drain step). */
export { checkpointPostgres } from "./checkpoint.js";
export { openCaptureStore } from "./capture-store.js";
export { drainSlot, slotExists, walBehind, type DrainOptions } from "./drain.js";
export { settleSlot } from "./settle.js";
export { captureFileFor, dumpFileFor, baseBackupDirFor } from "./paths.js";
export { compareLsn } from "./lsn.js";
export { uncapturableTables } from "./uncapturable.js";
