/** Replay of captured writes onto a restored database (issue 4). */
export { DEFAULT_BATCH_SIZE, type ReplayOptions, replayChanges } from "./replay.js";
export { PROGRESS_TABLE, UNMAPPED_TABLE } from "./ledger.js";
export { REASON } from "./map-change.js";
