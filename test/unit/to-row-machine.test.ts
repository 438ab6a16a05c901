// Ingest's mapping of the cAdvisor-parity sample fields and the machine view's host fields
// (migration 002): optional fields default to 0/empty, nested arrays are checked element by element.
import { describe, expect, it } from "vitest";
import { RecordError, toRow } from "../../aggregator/ingest/to-row.ts";

const SAMPLE = {
  kind: "sample",
  time: "2026-11-22T03:00:00.000Z",
  host: "vm",
  containerId: "abc",
  containerName: "web",
  image: "busybox",
  origin: "cgroup",
  cpuUsageSeconds: 1.5,
  cpuUserSeconds: 1,
  cpuSystemSeconds: 0.5,
  cpuCores: 0.25,
  memoryUsageBytes: 100,
  memoryWorkingSetBytes: 90,
  memoryRssBytes: 50,
  memoryCacheBytes: 40,
  memoryLimitBytes: 0,
  pids: 1,
  blkioReadBytes: 0,
  blkioWriteBytes: 0,
  networkRxBytes: 10,
  networkTxBytes: 20,
};

const HOST = {
  kind: "host",
  time: "2026-11-22T03:00:00.000Z",
  host: "vm",
  collectorId: "c1",
  collectorVersion: "0.1.0",
  bootId: "b",
  machineId: "m",
  kernel: "6.1",
  cpuCores: 2,
  memoryBytes: 1024,
};

const row = (r: object) => toRow(JSON.stringify(r)).row;

describe("toRow: cAdvisor-parity sample fields", () => {
  it("defaults every optional field of an older collector's sample to 0 or empty", () => {
    expect(row(SAMPLE)).toMatchObject({
      cpu_periods: 0,
      cpu_throttled_seconds: 0,
      memory_swap_bytes: 0,
      oom_kills: 0,
      threads: 0,
      file_descriptors: 0,
      network_rx_packets: 0,
      blkio_writes: 0,
      interfaces: [],
      devices: [],
    });
  });

  it("maps the new fields and the per-interface and per-device arrays to snake_case tuples", () => {
    const r = row({
      ...SAMPLE,
      cpuPeriods: 10,
      cpuThrottledPeriods: 2,
      cpuThrottledSeconds: 0.125,
      memoryReservationBytes: 1 << 20,
      oomKills: 1,
      interfaces: [
        {
          name: "eth0",
          rxBytes: 10,
          txBytes: 20,
          rxPackets: 1,
          txPackets: 2,
          rxErrors: 0,
          txErrors: 0,
          rxDropped: 0,
          txDropped: 0,
        },
      ],
      devices: [
        { device: "254:0", major: 254, minor: 0, readBytes: 4096, writeBytes: 8192, reads: 1, writes: 2 },
      ],
    });
    expect(r).toMatchObject({
      cpu_periods: 10,
      cpu_throttled_periods: 2,
      cpu_throttled_seconds: 0.125,
      memory_reservation_bytes: 1 << 20,
      oom_kills: 1,
      interfaces: [{ name: "eth0", rx_bytes: 10, tx_bytes: 20, rx_packets: 1, tx_packets: 2 }],
      devices: [
        { device: "254:0", major: 254, minor: 0, read_bytes: 4096, write_bytes: 8192, reads: 1, writes: 2 },
      ],
    });
  });

  it("rejects a nested array of the wrong shape, naming the element and field", () => {
    expect(() => row({ ...SAMPLE, interfaces: { name: "eth0" } })).toThrow(
      new RecordError('field "interfaces" must be an array of objects'),
    );
    expect(() => row({ ...SAMPLE, interfaces: ["eth0"] })).toThrow('field "interfaces[0]" must be an object');
    expect(() =>
      row({ ...SAMPLE, devices: [{ device: "8:0", major: 8, minor: 0, readBytes: "1" }] }),
    ).toThrow('field "devices[0].readBytes" must be a finite number');
    expect(() => row({ ...SAMPLE, devices: [{ device: "8:0", major: 8, minor: -1 }] })).toThrow(
      'field "devices[0].minor" must not be negative',
    );
    expect(() => row({ ...SAMPLE, cpuPeriods: "3" })).toThrow('field "cpuPeriods" must be a finite number');
  });
});

describe("toRow: the machine view of hosts", () => {
  it("defaults the new host fields of an older collector", () => {
    expect(row(HOST)).toMatchObject({
      hostname: "",
      os: "",
      swap_bytes: 0,
      load1: 0,
      labels: {},
      filesystems: [],
      interfaces: [],
    });
  });

  it("maps labels, filesystems and interfaces; inodes and mtu are optional", () => {
    expect(
      row({
        ...HOST,
        hostname: "vm",
        os: "Debian GNU/Linux 12 (bookworm)",
        load1: 0.58,
        cpuBusyCores: 0.25,
        labels: { role: "web" },
        filesystems: [
          { device: "/dev/vda", mountpoint: "/", type: "ext4", capacityBytes: 100, availableBytes: 40 },
        ],
        interfaces: [{ name: "eth0", mac: "02:fc:00:00:00:01", speedMbps: 0, mtu: 1400 }],
      }),
    ).toMatchObject({
      hostname: "vm",
      load1: 0.58,
      cpu_busy_cores: 0.25,
      labels: { role: "web" },
      filesystems: [
        {
          device: "/dev/vda",
          mountpoint: "/",
          type: "ext4",
          capacity_bytes: 100,
          available_bytes: 40,
          inodes: 0,
        },
      ],
      interfaces: [{ name: "eth0", mac: "02:fc:00:00:00:01", speed_mbps: 0, mtu: 1400 }],
    });
  });

  it("rejects a malformed filesystem or a negative load", () => {
    expect(() => row({ ...HOST, filesystems: [{ device: "/dev/vda" }] })).toThrow(
      'field "filesystems[0].mountpoint" must be a string',
    );
    expect(() => row({ ...HOST, load1: -1 })).toThrow('field "load1" must not be negative');
  });
});
