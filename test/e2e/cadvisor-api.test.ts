// cAdvisor's v1.3 REST on the aggregator: on a real stack, the machine is this machine and a
// running busybox container reads as cAdvisor shows it; with records posted for two hosts, the
// host must be chosen, and per-interface/per-device stats come back in cAdvisor's shape.
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import {
  type FleetscopeProcess,
  freePort,
  getJson,
  startAggregator,
  tempDir,
  useUpStack,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

interface Stats {
  timestamp: string;
  cpu: { usage: { total: number; user: number; system: number }; cfs: Record<string, number> };
  memory: Record<string, number>;
  network: Record<string, unknown> & { interfaces: Record<string, unknown>[] };
  diskio: { io_service_bytes: unknown[]; io_serviced: unknown[] };
  processes: Record<string, number>;
}
interface ContainerInfo {
  id: string;
  name: string;
  aliases: string[];
  namespace: string;
  spec: {
    image: string;
    creation_time: string;
    has_cpu: boolean;
    has_memory: boolean;
    memory: { limit?: number; reservation?: number };
    cpu: Record<string, number>;
  };
  stats: Stats[];
}

interface RootInfo {
  name: string;
  subcontainers: { name: string; aliases: string[] }[];
  stats: {
    timestamp: string;
    cpu: { usage: { total: number }; load_average: number };
    memory: { usage: number; working_set: number };
    filesystem: Record<string, unknown>[];
  }[];
}

const MiB = 1024 * 1024;

async function status(url: string): Promise<{ status: number; body: { error?: string } }> {
  const res = await apiFetch(url, url); // url is absolute: its origin picks the token
  return { status: res.status, body: await res.json() };
}

describe("cAdvisor API on a real stack", () => {
  const name = uniqueName("cadv");
  const up = useUpStack("cadvisor", [name], ["--label", "role=web", "--label", "tier=front"]);
  let id = "";

  it("answers /machine with this machine and /api/v1/hosts with its labels", async () => {
    const machine = await waitFor("the first heartbeat", () =>
      getJson<Record<string, unknown>>(up.url, "/api/v1.3/machine").catch(() => undefined),
    );
    expect(machine).toMatchObject({
      num_cores: cpus().length,
      memory_capacity: totalmem(),
      boot_id: readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
    });
    expect(machine.machine_id).toEqual(expect.any(String));
    expect(Array.isArray(machine.filesystems) && Array.isArray(machine.network_devices)).toBe(true);

    const { hosts } = await getJson<{ hosts: Record<string, unknown>[] }>(up.url, "/api/v1/hosts");
    expect(hosts).toHaveLength(1);
    expect(hosts[0]).toMatchObject({
      labels: { role: "web", tier: "front" },
      cpuCores: cpus().length,
      os: expect.stringMatching(/\S/),
      uptimeSeconds: expect.any(Number),
      load1: expect.any(Number),
    });
    expect(hosts[0]?.uptimeSeconds as number).toBeGreaterThan(0);
  });

  it("shows a running container as cAdvisor does: spec, aliases, nanosecond CPU stats", async () => {
    await docker("run", "-d", "--name", name, "--memory", "32m", BUSYBOX, "sh", "-c", "while :; do :; done");
    id = await docker("inspect", "-f", "{{.Id}}", name);
    const info = await waitFor("5 stats of the container", async () => {
      const map = await getJson<Record<string, ContainerInfo>>(up.url, `/api/v1.3/docker/${name}`);
      const c = map[`/docker/${id}`];
      return c && c.stats.length >= 5 ? c : undefined;
    });
    expect(info).toMatchObject({ id, name: `/docker/${id}`, namespace: "docker" });
    expect(info.aliases).toEqual(expect.arrayContaining([name, id]));
    expect(info.spec).toMatchObject({ image: BUSYBOX, has_cpu: true, has_memory: true });
    expect(info.spec.memory.limit).toBe(32 * MiB);
    expect(Date.parse(info.spec.creation_time)).toBeGreaterThan(0);

    const times = info.stats.map((s) => Date.parse(s.timestamp));
    expect(times.every((t, i) => i === 0 || t > (times[i - 1] as number))).toBe(true);
    const totals = info.stats.map((s) => s.cpu.usage.total);
    expect(totals.every((t, i) => Number.isInteger(t) && (i === 0 || t > (totals[i - 1] as number)))).toBe(
      true,
    );
    // Spinning about one core: ~1e9 ns of CPU per second of wall time proves the unit.
    const nsPerSecond =
      ((totals.at(-1) as number) - (totals[0] as number)) /
      (((times.at(-1) as number) - (times[0] as number)) / 1000);
    expect(nsPerSecond).toBeGreaterThan(0.4e9);
    expect(nsPerSecond).toBeLessThan(1.5e9);
    const last = info.stats.at(-1) as Stats;
    expect(last.memory.working_set).toBeGreaterThan(0);
    expect(last.memory.working_set).toBeLessThan(32 * MiB);
    expect(last.processes.process_count).toBeGreaterThanOrEqual(1);
    expect(Object.keys(last.cpu.cfs).sort()).toEqual(["periods", "throttled_periods", "throttled_time"]);
  });

  it("finds it by id prefix, under /docker/, among the root's subcontainers, and at /containers/docker/<id>", async () => {
    const byPrefix = await getJson<Record<string, ContainerInfo>>(
      up.url,
      `/api/v1.3/docker/${id.slice(0, 12)}?num_stats=2`,
    );
    expect(Object.keys(byPrefix)).toEqual([`/docker/${id}`]);
    expect(byPrefix[`/docker/${id}`]?.stats).toHaveLength(2);

    const all = await getJson<Record<string, ContainerInfo>>(up.url, "/api/v1.3/docker/?count=1");
    expect(all[`/docker/${id}`]?.aliases).toContain(name);
    expect(Object.keys(all).every((k) => k.startsWith("/docker/"))).toBe(true);

    const root = await getJson<RootInfo>(up.url, "/api/v1.3/containers/");
    expect(root.name).toBe("/");
    expect(root.subcontainers).toContainEqual(expect.objectContaining({ name: `/docker/${id}` }));
    // The machine's own stats, as cAdvisor gives the root cgroup's: from this host's heartbeats.
    const machine = root.stats.at(-1);
    expect(machine?.memory.usage).toBeGreaterThan(0);
    expect(machine?.memory.usage).toBeLessThan(totalmem());
    expect(machine?.filesystem.length).toBeGreaterThan(0);
    expect(Number.isInteger(machine?.cpu.usage.total)).toBe(true);
    // cAdvisor answers without the slash too.
    const bare = await getJson<RootInfo>(up.url, "/api/v1.3/containers");
    expect(bare.name).toBe("/");
    expect(bare.subcontainers).toEqual(root.subcontainers);

    const one = await getJson<ContainerInfo>(up.url, `/api/v1.3/containers/docker/${id}?count=1`);
    expect(one).toMatchObject({ name: `/docker/${id}`, namespace: "docker" });
    expect(one.stats).toHaveLength(1);

    const missing = await status(`${up.url}/api/v1.3/docker/no-such-container-xyz`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/no-such-container-xyz/);
  });
});

describe("cAdvisor API with two hosts", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let agg: FleetscopeProcess;
  let url: string;
  const now = Date.now();
  const t = (ms: number) => new Date(now - 60_000 + ms).toISOString();
  const ID = "c0ffee".padEnd(64, "1");

  const host = (name: string) => ({
    kind: "host",
    time: t(0),
    host: name,
    collectorId: `col-${name}`,
    collectorVersion: "0.1.0",
    bootId: `boot-${name}`,
    machineId: `machine-${name}`,
    kernel: "6.1.0",
    cpuCores: 4,
    memoryBytes: 8 * 1024 * MiB,
    os: "Debian GNU/Linux 12 (bookworm)",
    labels: { role: name === "h-a" ? "web" : "db" },
    filesystems: [
      {
        device: "/dev/vda1",
        mountpoint: "/",
        type: "ext4",
        capacityBytes: 100e9,
        availableBytes: 40e9,
        inodes: 6e6,
      },
    ],
    interfaces: [{ name: "ens3", mac: "52:54:00:12:34:56", speedMbps: 1000, mtu: 1500 }],
  });
  const sample = (i: number) => ({
    kind: "sample",
    time: t(1000 * (i + 1)),
    host: "h-a",
    containerId: ID,
    containerName: "syn-web",
    image: "nginx:1",
    origin: "cgroup",
    cpuUsageSeconds: 2 + i,
    cpuUserSeconds: 1.5 + i,
    cpuSystemSeconds: 0.5,
    cpuCores: 1,
    memoryUsageBytes: 50 * MiB,
    memoryWorkingSetBytes: 40 * MiB,
    memoryRssBytes: 30 * MiB,
    memoryCacheBytes: 20 * MiB,
    memoryLimitBytes: 64 * MiB,
    pids: 3,
    blkioReadBytes: 4096,
    blkioWriteBytes: 8192,
    networkRxBytes: 1000,
    networkTxBytes: 2000,
    cpuPeriods: 100,
    cpuThrottledPeriods: 7,
    cpuThrottledSeconds: 0.25,
    memoryMaxUsageBytes: 60 * MiB,
    memoryFailcnt: 2,
    memoryReservationBytes: 16 * MiB,
    oomKills: 1,
    threads: 5,
    fileDescriptors: 12,
    networkRxPackets: 10,
    networkTxPackets: 20,
    interfaces: [
      {
        name: "eth0",
        rxBytes: 1000,
        txBytes: 2000,
        rxPackets: 10,
        txPackets: 20,
        rxErrors: 0,
        txErrors: 0,
        rxDropped: 1,
        txDropped: 0,
      },
    ],
    devices: [
      { device: "254:0", major: 254, minor: 0, readBytes: 4096, writeBytes: 8192, reads: 1, writes: 2 },
    ],
  });

  beforeAll(async () => {
    dir = await tempDir("cadvisor-hosts");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    agg = await startAggregator(dir.path, port);
    const records = [
      host("h-a"),
      host("h-b"),
      // Two later heartbeats of h-a: 2 cores busy over the 10 s before the first, 3 before the second.
      { ...host("h-a"), time: t(10_000), cpuBusyCores: 2, memoryAvailableBytes: 6 * 1024 * MiB, load1: 1.5 },
      { ...host("h-a"), time: t(20_000), cpuBusyCores: 3, memoryAvailableBytes: 5 * 1024 * MiB, load1: 2.25 },
      {
        kind: "container",
        time: t(500),
        host: "h-a",
        containerId: ID,
        containerName: "syn-web",
        image: "nginx:1",
        created: t(0),
        state: "running",
        exitCode: null,
        oomKilled: false,
        logDriver: "json-file",
        labels: { app: "web" },
        memoryLimitBytes: 64 * MiB,
        cpuLimitCores: 1.5,
        restartPolicy: "no",
      },
      sample(0),
      sample(1),
      { ...sample(2), devices: [{ device: "8:0", major: 8 }] },
    ];
    const body = [
      JSON.stringify({ v: 1, batchId: "cadv-1", collectorId: "t", host: "h-a", count: records.length }),
      ...records.map((r) => JSON.stringify(r)),
    ].join("\n");
    const res = await apiFetch(url, "/api/v1/ingest", {
      method: "POST",
      headers: { "content-type": "application/x-ndjson", "content-encoding": "gzip" },
      body: gzipSync(body),
    });
    const ack = await res.json();
    expect(ack).toMatchObject({ accepted: 7, rejected: 1 });
    expect(ack.errors).toEqual([
      expect.stringMatching(/^record 8: field "devices\[0\]\.minor" must be a finite number/),
    ]);
  });
  afterAll(async () => {
    await agg?.stop();
    await dir?.remove();
  });

  it("asks for ?host= when the store knows several, and answers for the one chosen", async () => {
    const ambiguous = await status(`${url}/api/v1.3/machine`);
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error).toMatch(/\?host=.*h-a, h-b/);
    const unknown = await status(`${url}/api/v1.3/machine?host=h-z`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/h-a, h-b/);

    const machine = await getJson(url, "/api/v1.3/machine?host=h-b");
    expect(machine).toMatchObject({
      num_cores: 4,
      memory_capacity: 8 * 1024 * MiB,
      machine_id: "machine-h-b",
      boot_id: "boot-h-b",
      filesystems: [{ device: "/dev/vda1", type: "ext4", capacity: 100e9, inodes: 6e6 }],
      network_devices: [{ name: "ens3", mac_address: "52:54:00:12:34:56", speed: 1000, mtu: 1500 }],
    });
  });

  it("gives spec limits and per-interface, per-device, CFS and process stats in cAdvisor's units", async () => {
    const map = await getJson<Record<string, ContainerInfo>>(url, "/api/v1.3/docker/syn-web?host=h-a");
    const c = map[`/docker/${ID}`] as ContainerInfo;
    expect(c.spec).toMatchObject({
      labels: { app: "web" },
      cpu: { limit: 1024, quota: 150_000, period: 100_000 },
      memory: { limit: 64 * MiB, reservation: 16 * MiB },
    });
    expect(c.stats).toHaveLength(2);
    expect(c.stats[1]).toMatchObject({
      cpu: {
        usage: { total: 3e9, user: 2.5e9, system: 0.5e9 },
        cfs: { periods: 100, throttled_periods: 7, throttled_time: 0.25e9 },
      },
      memory: {
        usage: 50 * MiB,
        max_usage: 60 * MiB,
        cache: 20 * MiB,
        rss: 30 * MiB,
        working_set: 40 * MiB,
        failcnt: 2,
      },
      network: {
        name: "eth0",
        rx_bytes: 1000,
        tx_bytes: 2000,
        rx_packets: 10,
        interfaces: [{ name: "eth0", rx_bytes: 1000, tx_bytes: 2000, rx_dropped: 1 }],
      },
      diskio: {
        io_service_bytes: [
          { device: "254:0", major: 254, minor: 0, stats: { Read: 4096, Write: 8192, Total: 12288 } },
        ],
        io_serviced: [{ device: "254:0", major: 254, minor: 0, stats: { Read: 1, Write: 2, Total: 3 } }],
      },
      processes: { process_count: 3, fd_count: 12, threads_current: 5 },
    });
    // The other host has no such container.
    expect((await status(`${url}/api/v1.3/docker/syn-web?host=h-b`)).status).toBe(404);
  });

  it("gives the root container the machine's stats from the host's heartbeats, with or without the slash", async () => {
    for (const path of ["/api/v1.3/containers/?host=h-a", "/api/v1.3/containers?host=h-a&count=2"]) {
      const root = await getJson<RootInfo>(url, path);
      expect(root.name).toBe("/");
      expect(root.subcontainers.map((c) => c.name)).toEqual([`/docker/${ID}`]);
      // CPU is cumulative nanoseconds, as the root cgroup's: 2 cores × 10 s, then 3 cores × 10 s more.
      expect(root.stats.slice(-2)).toEqual([
        {
          timestamp: t(10_000),
          cpu: { usage: { total: 20e9 }, load_average: 1500 },
          memory: { usage: 2048 * MiB, working_set: 2048 * MiB },
          filesystem: [
            {
              device: "/dev/vda1",
              type: "ext4",
              capacity: 100e9,
              usage: 60e9,
              available: 40e9,
              has_inodes: true,
              inodes: 6e6,
            },
          ],
        },
        expect.objectContaining({
          timestamp: t(20_000),
          cpu: { usage: { total: 50e9 }, load_average: 2250 },
          memory: { usage: 3072 * MiB, working_set: 3072 * MiB },
        }),
      ]);
    }
    expect((await getJson<RootInfo>(url, "/api/v1.3/containers?host=h-a&count=1")).stats).toHaveLength(1);
  });

  it("extends /api/v1/hosts with the machine view", async () => {
    const { hosts } = await getJson<{ hosts: Record<string, unknown>[] }>(url, "/api/v1/hosts");
    expect(hosts.map((h) => [h.host, (h.labels as Record<string, string>).role])).toEqual([
      ["h-a", "web"],
      ["h-b", "db"],
    ]);
    expect(hosts[0]).toMatchObject({
      os: "Debian GNU/Linux 12 (bookworm)",
      filesystems: [{ device: "/dev/vda1", mountpoint: "/", capacityBytes: 100e9, availableBytes: 40e9 }],
      interfaces: [{ name: "ens3", speedMbps: 1000, mtu: 1500 }],
    });
  });
});
