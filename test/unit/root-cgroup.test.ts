// The machine as cAdvisor's root container `id="/"` (collector/sources/host/root-cgroup.ts): the
// parsers on lines captured from this project's VM, and the series a dashboard selects with
// `{id="/"}` while `name`/`image` selectors leave them out.
import { describe, expect, it } from "vitest";
import {
  parseRootCpu,
  parseRootDiskstats,
  readRootSnapshot,
  rootInterfaces,
} from "../../collector/sources/host/root-cgroup.ts";
import { renderCadvisorMetrics } from "../../protocol/cadvisor/exposition.ts";

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 13561627489 1921923    0    0    0     0          0         0 13561627489 1921923    0    0    0     0       0          0
  eth0: 9600761224  227759    0    3    0     0          0         0 18135982  152604    0    0    0     0       0          0
docker0: 21011106   14610    0    0    0     0          0         0 39201  419    0    0    0     0       0          0
vethd2a1b3c: 1044   12    0    0    0     0          0         0 238  3    0    0    0     0       0          0
br-5f1e2d3c: 500   5    0    0    0     0          0         0 600  6    0    0    0     0       0          0
`;

const STAT = `cpu  5127329 12 1372638 4967814 100708 7 35652 99006 0 0
cpu0 2516948 0 670934 2574676 29256 0 11860 48312 0 0
intr 1
btime 1796013627
`;

const DISKSTATS = `   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 2750537 12 75954658 100 4099724 40 387421024 200 0 0 0 0 0 0 0 0 0
 254       1 vda1 2750000 12 75950000 100 4099000 40 387420000 200 0 0 0 0 0 0 0 0 0
   7       1 loop1 5 0 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0
`;

describe('the root cgroup id="/" like cAdvisor\'s', () => {
  it("keeps the machine's interfaces and drops loopback, veths and Docker's bridge (cAdvisor's prefixes)", () => {
    const names = rootInterfaces(NET_DEV).map((i) => i.name);
    expect(names).toEqual(["br-5f1e2d3c", "eth0"]);
    const eth0 = rootInterfaces(NET_DEV).find((i) => i.name === "eth0");
    expect(eth0).toMatchObject({ rxBytes: 9600761224, rxDropped: 3, txBytes: 18135982, txPackets: 152604 });
  });

  it("reads user (user + nice) and system (system + irq + softirq) seconds and the boot time from /proc/stat", () => {
    expect(parseRootCpu(STAT)).toEqual({
      userSeconds: (5127329 + 12) / 100,
      systemSeconds: (1372638 + 7 + 35652) / 100,
      bootTimeSeconds: 1796013627,
    });
    expect(parseRootCpu("intr 1\n")).toBeUndefined();
    expect(parseRootCpu("cpu  1 2 x 4 5 6 7\n")).toBeUndefined();
  });

  it("counts whole disks that did I/O, in 512-byte sectors, not their partitions", () => {
    const disks = new Set(["vda", "loop0", "loop1"]);
    expect(parseRootDiskstats(DISKSTATS, (n) => disks.has(n))).toEqual([
      {
        device: "254:0",
        major: 254,
        minor: 0,
        readBytes: 75954658 * 512,
        writeBytes: 387421024 * 512,
        reads: 2750537,
        writes: 4099724,
      },
      { device: "7:1", major: 7, minor: 1, readBytes: 10 * 512, writeBytes: 0, reads: 5, writes: 0 },
    ]);
  });

  it('renders this machine as id="/" with no name or image, so name/image selectors leave it out', () => {
    const root = readRootSnapshot({ procRoot: "/proc", sysRoot: "/sys" }, "vm");
    expect(root?.cgroupPath).toBe("/");
    const text = renderCadvisorMetrics(
      root ? [root] : [],
      { cpuCores: 2, memoryBytes: 1 },
      { containerLabels: [] },
    );
    expect(text).toMatch(/^container_cpu_system_seconds_total\{id="\/",image="",name=""\} \d/m);
    expect(text).toMatch(/^container_memory_rss\{id="\/",image="",name=""\} [1-9]/m);
    expect(text).toMatch(
      /^container_network_receive_bytes_total\{id="\/",image="",name="",interface="[^"]+"\} \d/m,
    );
    expect(text).toMatch(/^container_last_seen\{id="\/",image="",name=""\} [1-9]/m);
    expect(text).not.toMatch(/interface="lo"/);
  });

  it("is absent where /proc cannot be read", () => {
    expect(readRootSnapshot({ procRoot: "/nonexistent", sysRoot: "/nonexistent" }, "vm")).toBeUndefined();
  });
});
