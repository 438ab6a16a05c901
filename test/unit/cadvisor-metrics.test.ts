import { describe, expect, it } from "vitest";
import {
  escapeLabelValue,
  renderCadvisorMetrics,
  sanitizeLabelName,
} from "../../protocol/cadvisor/exposition.ts";
import type { ContainerSnapshot } from "../../protocol/cadvisor/snapshot.ts";
import type { SampleRecord } from "../../protocol/records.ts";

const ID = "7a5ea96c5adb34e2798409eab5b84bdc3a40acdb3dd3a03157d7889fc3e9cd0b";

function snapshot(
  over: Partial<SampleRecord> = {},
  snap: Partial<ContainerSnapshot> = {},
): ContainerSnapshot {
  const sample: SampleRecord = {
    kind: "sample",
    time: "2026-11-22T03:00:00.000Z",
    host: "vm",
    containerId: ID,
    containerName: "web-1",
    image: "busybox:fleetscope",
    origin: "cgroup",
    cpuUsageSeconds: 3.28592386,
    cpuUserSeconds: 3.26,
    cpuSystemSeconds: 0.02,
    cpuCores: 1,
    memoryUsageBytes: 2441216,
    memoryWorkingSetBytes: 2224128,
    memoryRssBytes: 61440,
    memoryCacheBytes: 2011136,
    memoryLimitBytes: 67108864,
    pids: 1,
    blkioReadBytes: 0,
    blkioWriteBytes: 20 * 1024 * 1024,
    networkRxBytes: 1044,
    networkTxBytes: 238,
    oomKills: 1,
    threads: 1,
    fileDescriptors: 4,
    interfaces: [
      {
        name: "eth0",
        rxBytes: 1044,
        txBytes: 238,
        rxPackets: 12,
        txPackets: 3,
        rxErrors: 0,
        txErrors: 0,
        rxDropped: 0,
        txDropped: 0,
      },
    ],
    devices: [],
    ...over,
  };
  return {
    sample,
    cgroupPath: `/docker/${ID}`,
    labels: { "com.example.team": 'pay"ments\\eu\nwest', secret: "x" },
    processes: 1,
    cpuQuotaMicros: 0,
    cpuPeriodMicros: 100000,
    cpuShares: 1024,
    startTimeSeconds: 1795316820.5,
    seenAtMs: 1795316829_123,
    measured: true,
    ...snap,
  };
}

const machine = { cpuCores: 2, memoryBytes: 25275592704 };

describe("cAdvisor exposition", () => {
  it("escapes label values and sanitizes label names like cAdvisor", () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(sanitizeLabelName("com.example.team-name")).toBe("com_example_team_name");
  });

  it("renders cAdvisor's names, types and labels", () => {
    const text = renderCadvisorMetrics([snapshot()], machine, { containerLabels: [] });
    const base = `id="/docker/${ID}",image="busybox:fleetscope",name="web-1"`;
    expect(text).toContain(
      "# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.\n" +
        "# TYPE container_cpu_usage_seconds_total counter\n" +
        `container_cpu_usage_seconds_total{${base},cpu="total"} 3.28592386\n`,
    );
    expect(text).toContain(`container_memory_working_set_bytes{${base}} 2224128\n`);
    expect(text).toContain(`container_spec_memory_limit_bytes{${base}} 67108864\n`);
    expect(text).toContain(`container_oom_events_total{${base}} 1\n`);
    expect(text).toContain(`container_network_receive_packets_total{${base},interface="eth0"} 12\n`);
    // No per-device cgroup counts: the /proc/<pid>/io total under an empty device label.
    expect(text).toContain(`container_fs_writes_bytes_total{${base},device=""} 20971520\n`);
    expect(text).not.toContain("container_fs_writes_total{");
    expect(text).toContain(`container_start_time_seconds{${base}} 1795316820\n`);
    expect(text).toContain(`container_last_seen{${base}} 1795316829\n`);
    expect(text).toContain("# TYPE machine_cpu_cores gauge\nmachine_cpu_cores 2\n");
    expect(text).toContain("machine_memory_bytes 25275592704\n");
    // No quota: neither the quota nor the CFS counters, like cAdvisor.
    expect(text).not.toContain("container_spec_cpu_quota");
    expect(text).not.toContain("container_cpu_cfs_periods_total");
    expect(text).not.toMatch(/container_label_/);
    for (const line of text.split("\n").filter((l) => l.startsWith("# TYPE")))
      expect(line).toMatch(/ (counter|gauge)$/);
  });

  it("adds only allow-listed container labels, escaped", () => {
    const text = renderCadvisorMetrics([snapshot()], machine, { containerLabels: ["com.example.team"] });
    expect(text).toContain(
      `container_memory_rss{container_label_com_example_team="pay\\"ments\\\\eu\\nwest",id="/docker/${ID}",image="busybox:fleetscope",name="web-1"} 61440\n`,
    );
    expect(text).not.toContain("secret");
  });

  it("shows CFS counters with a quota, and per-device I/O named by the resolver", () => {
    const s = snapshot(
      {
        cpuPeriods: 450,
        cpuThrottledPeriods: 448,
        cpuThrottledSeconds: 21.966099531,
        blkioWriteBytes: 4214784,
        blkioWrites: 8,
        devices: [
          { device: "254:0", major: 254, minor: 0, readBytes: 0, writeBytes: 4214784, reads: 0, writes: 8 },
        ],
      },
      { cpuQuotaMicros: 50000 },
    );
    const text = renderCadvisorMetrics([s], machine, { containerLabels: [], deviceName: () => "/dev/vda" });
    expect(text).toContain('container_cpu_cfs_throttled_periods_total{id="/docker/');
    expect(text).toMatch(/^container_cpu_cfs_throttled_seconds_total\{.*\} 21\.966099531$/m);
    expect(text).toMatch(/^container_spec_cpu_quota\{.*\} 50000$/m);
    expect(text).toMatch(/^container_fs_writes_bytes_total\{.*device="\/dev\/vda"\} 4214784$/m);
    expect(text).toMatch(/^container_fs_writes_total\{.*device="\/dev\/vda"\} 8$/m);
  });

  it("shows the writable layer's usage and the filesystem's size on its device", () => {
    const fs = { fsDevice: "/dev/vda", fsUsageBytes: 3_153_920, fsLimitBytes: 270_553_174_016, fsInodes: 12 };
    const text = renderCadvisorMetrics([snapshot(fs)], machine, { containerLabels: [] });
    const labels = `id="/docker/${ID}",image="busybox:fleetscope",name="web-1",device="/dev/vda"`;
    expect(text).toContain(
      "# HELP container_fs_usage_bytes Number of bytes that are consumed by the container on this filesystem.\n" +
        "# TYPE container_fs_usage_bytes gauge\n" +
        `container_fs_usage_bytes{${labels}} 3153920\n`,
    );
    expect(text).toContain(
      "# HELP container_fs_limit_bytes Number of bytes that can be consumed by the container on this filesystem.\n" +
        "# TYPE container_fs_limit_bytes gauge\n" +
        `container_fs_limit_bytes{${labels}} 270553174016\n`,
    );
    // cAdvisor's container_fs_inodes_total is a gauge named like a counter, which promtool
    // refuses: the walk's count shows in the cAdvisor API's filesystem stats instead.
    expect(text).not.toContain("container_fs_inodes_total");
  });

  it("shows no fs usage family for a container whose layer was not measured", () => {
    // Rows stored from older collectors or other storage drivers read back with an empty device.
    const text = renderCadvisorMetrics([snapshot({ fsDevice: "", fsUsageBytes: 0 })], machine, {
      containerLabels: [],
    });
    expect(text).not.toContain("container_fs_usage_bytes");
    expect(text).not.toContain("container_fs_limit_bytes");
  });

  it("shows only Docker's facts for a container that died before its first reading", () => {
    const text = renderCadvisorMetrics([snapshot({}, { measured: false })], machine, { containerLabels: [] });
    expect(text).toMatch(/^container_oom_events_total\{.*\} 1$/m);
    expect(text).toMatch(/^container_spec_memory_limit_bytes\{/m);
    expect(text).not.toContain("container_cpu_usage_seconds_total");
    expect(text).not.toContain("# HELP container_memory_rss");
  });
});
