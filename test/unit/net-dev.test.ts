import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseNetDev, readNetDev } from "../../collector/cgroup/net-dev.ts";

// Real /proc/<pid>/net/dev of containers on this machine; see test/fixtures/proc/SOURCE.md.
const PROC = join(import.meta.dirname, "../fixtures/proc");

describe("net/dev", () => {
  it("sums eth0 and leaves out loopback traffic", () => {
    const raw = readFileSync(join(PROC, "7702/net/dev"), "utf8");
    expect(raw).toMatch(/lo:\s+504\s/); // the container pinged 127.0.0.1
    expect(parseNetDev(raw)).toEqual({ rxBytes: 1044, txBytes: 238 });
  });

  it("reads a container's namespace through procRoot", async () => {
    expect(await readNetDev(PROC, 7769)).toEqual({ rxBytes: 738, txBytes: 0 });
  });

  it("reads a vanished process as zeros", async () => {
    expect(await readNetDev(PROC, 999999)).toEqual({ rxBytes: 0, txBytes: 0 });
  });
});
