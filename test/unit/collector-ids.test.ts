import { describe, expect, it } from "vitest";
import {
  CollectorIds,
  DuplicateCollector,
  OVERLAP_WINDOW_MS,
  RESTART_GRACE_MS,
} from "../../aggregator/ingest/collector-ids.ts";

describe("duplicate collector ids", () => {
  it("a restart (the old process stops sending) is not a conflict", () => {
    const ids = new CollectorIds();
    for (let t = 0; t < 30_000; t += 1000) ids.check("tok", "c1", "h", "old", t);
    // Requests the old process had in flight land just after the new one's first batch.
    ids.check("tok", "c1", "h", "new", 30_000);
    ids.check("tok", "c1", "h", "old", 30_500);
    for (let t = 31_000; t < 120_000; t += 1000)
      expect(() => ids.check("tok", "c1", "h", "new", t)).not.toThrow();
  });

  it("a second process still sending past the restart grace is refused, the first is not", () => {
    const ids = new CollectorIds();
    ids.check("tok", "c1", "h", "first", 0);
    ids.check("tok", "c1", "h", "clone", 1000);
    for (let t = 2000; t <= 1000 + RESTART_GRACE_MS; t += 1000) ids.check("tok", "c1", "h", "first", t);
    ids.check("tok", "c1", "h", "first", 2000 + RESTART_GRACE_MS);
    expect(() => ids.check("tok", "c1", "h", "clone", 3000 + RESTART_GRACE_MS)).toThrow(DuplicateCollector);
    expect(() => ids.check("tok", "c1", "h", "first", 4000 + RESTART_GRACE_MS)).not.toThrow();
  });

  it("one id sending for two hosts is refused at once, naming the id, both hosts and the fix", () => {
    const ids = new CollectorIds();
    ids.check("tok", "c1", "host-a", "p1", 0);
    expect(() => ids.check("tok", "c1", "host-b", "p2", 500)).toThrow(
      /collector id "c1" .*"host-a" and "host-b".*own spool directory.*collector-id file/,
    );
  });

  it("the same collector id under another token, or after the window, is no conflict", () => {
    const ids = new CollectorIds();
    ids.check("tok-a", "c1", "host-a", "p1", 0);
    expect(() => ids.check("tok-b", "c1", "host-b", "p2", 500)).not.toThrow();
    expect(() => ids.check("tok-a", "c1", "host-b", "p3", OVERLAP_WINDOW_MS + 1)).not.toThrow();
  });
});
