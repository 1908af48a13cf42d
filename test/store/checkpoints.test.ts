import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqliteStore } from "../../src/store/sqlite/index.js";
import { checkpoint, freshStore } from "./helpers.js";

describe("sqlite store: checkpoints", () => {
  let store: SqliteStore;
  let cleanup: () => Promise<void>;
  beforeEach(() => ({ store, cleanup } = freshStore()));
  afterEach(() => cleanup());

  it("saves and reads a checkpoint by id, with its components intact", async () => {
    const cp = checkpoint("cp1", "before-v2", 1000);
    await store.saveCheckpoint(cp);
    expect(await store.getCheckpoint("cp1")).toEqual(cp);
    expect(await store.getCheckpoint("nope")).toBeUndefined();
  });

  it("by name returns the newest checkpoint with that name; an id wins over a name", async () => {
    await store.saveCheckpoint(checkpoint("a", "nightly", 1000));
    await store.saveCheckpoint(checkpoint("b", "nightly", 3000));
    await store.saveCheckpoint(checkpoint("c", "nightly", 2000));
    await store.saveCheckpoint(checkpoint("nightly-id", "a", 500));
    expect((await store.getCheckpoint("nightly"))?.id).toBe("b");
    expect((await store.getCheckpoint("a"))?.id).toBe("a");
  });

  it("lists newest first, with a limit", async () => {
    await store.saveCheckpoint(checkpoint("a", "one", 1000));
    await store.saveCheckpoint(checkpoint("b", "two", 3000));
    await store.saveCheckpoint(checkpoint("c", "three", 2000));
    expect((await store.listCheckpoints()).map((c) => c.id)).toEqual(["b", "c", "a"]);
    expect((await store.listCheckpoints(2)).map((c) => c.id)).toEqual(["b", "c"]);
  });

  it("markGood marks by id or name; lastGood is the good one created last", async () => {
    expect(await store.lastGoodCheckpoint()).toBeUndefined();
    await store.saveCheckpoint(checkpoint("a", "v1", 1000));
    await store.saveCheckpoint(checkpoint("b", "v2", 2000));
    await store.saveCheckpoint(checkpoint("c", "v3", 3000));

    const marked = await store.markGood("v2", 5000);
    expect(marked).toMatchObject({ id: "b", good: true, markedGoodAt: 5000 });
    expect(await store.getCheckpoint("b")).toMatchObject({ good: true, markedGoodAt: 5000 });
    expect((await store.lastGoodCheckpoint())?.id).toBe("b");

    // Marking an older checkpoint later does not make it "last good": creation time decides.
    await store.markGood("a", 6000);
    expect((await store.lastGoodCheckpoint())?.id).toBe("b");
    await store.markGood("c", 7000);
    expect((await store.lastGoodCheckpoint())?.id).toBe("c");

    expect(await store.markGood("missing", 8000)).toBeUndefined();
  });
});
