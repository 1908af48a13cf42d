/** Restore of a checkpoint's snapshot (dump or PITR), and removal of the copies it keeps. */
export { restoreDump, type RestoreDumpOptions, type RestoreDumpResult } from "./restore-dump.js";
export { idTag, restoreNames } from "./names.js";
export { pruneKept, type PruneOptions } from "./prune.js";
export { keptDatabases, keptDirectories, type KeptCopy } from "./kept.js";
export { restorePitr, type RestorePitrOptions, type RestorePitrResult } from "./pitr/restore-pitr.js";
