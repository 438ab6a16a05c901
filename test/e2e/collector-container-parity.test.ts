// The collector in its image, run with the fleet unit's own `docker run` options (the host's /proc,
// /sys, cgroups, Docker socket, container logs and journal mounted; --proc-root, --sys-root and
// --cgroup-root pointing at them), beside a native collector on the same machine. Both ship to one
// aggregator under their own host names, and the API answers the same for each: the containers,
// their samples, their log lines, their processes with host PIDs, the journal and the machine.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerDetail } from "../../protocol/api/containers.ts";
import type { HostRow } from "../../protocol/api/hosts.ts";
import type { LogLine } from "../../protocol/api/logs.ts";
import type { ProcessRow } from "../../protocol/api/processes.ts";
import type { SampleRecord } from "../../protocol/records.ts";
import { createToken, getJson } from "../helpers/api.ts";
import { FLEET_COLLECTOR_OWN, fleetCollectorRun, longFlags, readText } from "../helpers/deploy.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { ensureImage } from "../helpers/image.ts";
import { catLines } from "../helpers/journal-gateway.ts";
import {
  type FleetscopeProcess,
  freePort,
  startCollector,
  TEST_COLLECTOR_FLAGS,
  tempDir,
  useAggregator,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const { ETC } = FLEET_COLLECTOR_OWN;
/** What is being proven: the collector reads the host through these. */
const ROOT_FLAGS = ["--proc-root", "--sys-root", "--cgroup-root"];

/** Writable layers walked every 2 s instead of every minute, so both have a figure soon. */
const FS_USAGE_FLAGS = ["--fs-usage-interval", "2s"];

const NATIVE = "parity-native";
const CONTAINED = "parity-container";
const HOSTS = [NATIVE, CONTAINED] as const;

type Sample = Omit<SampleRecord, "kind">;

/** `pid args` lines of `docker top NAME -o pid,args` → args → host pid. */
async function hostPidsOf(name: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await docker("top", name, "-o", "pid,args")).split("\n").slice(1)) {
    const m = /^\s*(\d+)\s+(.*?)\s*$/.exec(line);
    if (m) out.set(m[2] as string, Number(m[1]));
  }
  return out;
}

/** Each host's answer to `path(host)`, once `ready` holds for both. */
async function perHost<T>(
  url: string,
  what: string,
  path: (host: string) => string,
  ready: (answer: T) => boolean,
): Promise<Record<(typeof HOSTS)[number], T>> {
  const answers = await Promise.all(
    HOSTS.map((host) =>
      waitFor(`${what} from ${host}`, async () => {
        const answer = await getJson<T>(url, path(host));
        return ready(answer) ? answer : undefined;
      }),
    ),
  );
  return { [NATIVE]: answers[0] as T, [CONTAINED]: answers[1] as T } as Record<(typeof HOSTS)[number], T>;
}

const without = <T extends object>(row: T, keys: string[]): Partial<T> =>
  Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k))) as Partial<T>;

describe("the collector in its image reports what a native one does", () => {
  const agg = useAggregator("container-parity");
  const collector = uniqueName("parity-collector");
  const jsonFile = uniqueName("parity-json");
  const journald = uniqueName("parity-journald");
  const marks = {
    [jsonFile]: `parity json-file line ${jsonFile}`,
    [journald]: `parity journald-driver line ${journald}`,
  };
  const journalMark = `parity journal entry ${collector}`;
  const journalTag = "fs-parity";
  /** A shell printing its line, then keeping two sleeps (known commands, known host PIDs). */
  const workload = (name: string, seconds: number) =>
    `echo '${marks[name]}'; sleep ${seconds} & sleep ${seconds + 1} & wait`;
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  let native: FleetscopeProcess | undefined;

  beforeAll(async () => {
    dir = await tempDir("container-parity");
    const image = ensureImage("collector");
    // Awaited below; if the native collector fails first, its error is the one to report.
    image.catch(() => undefined);
    native = await startCollector(agg.url, join(dir.path, "native", "spool"), [
      ...FS_USAGE_FLAGS,
      "--host-name",
      NATIVE,
      "--metrics-listen",
      "off",
    ]);
    await startContainerCollector(await image, dir.path);
    await docker("run", "-d", `--name=${jsonFile}`, BUSYBOX, "sh", "-c", workload(jsonFile, 3001));
    await docker(
      "run",
      "-d",
      `--name=${journald}`,
      "--log-driver=journald",
      BUSYBOX,
      "sh",
      "-c",
      workload(journald, 3101),
    );
    await catLines(journalTag, "notice", [journalMark]);
  });

  afterAll(async () => {
    await removeContainers(collector, jsonFile, journald);
    await native?.stop();
    await dir?.remove();
  });

  /** The unit's `docker run` with its token in the mounted /etc/fleetscope; resolves on its first heartbeat. */
  async function startContainerCollector(image: string, path: string): Promise<void> {
    const run = fleetCollectorRun(collector, path, CONTAINED);
    await mkdir(run.own.etc, { recursive: true });
    await mkdir(run.own.spool, { recursive: true });
    const { secret } = await createToken(agg.url, { name: "containerised collector", role: "ingest" });
    await writeFile(join(run.own.etc, "ingest.token"), `${secret}\n`, { mode: 0o600 });
    await docker(
      "run",
      "--detach",
      ...run.options,
      image,
      ...run.command,
      `--aggregator=${agg.url}`,
      `--token-file=${ETC}/ingest.token`,
      ...TEST_COLLECTOR_FLAGS,
      ...FS_USAGE_FLAGS,
      // --network=host: its /metrics must not take the native collector's port.
      `--metrics-listen=127.0.0.1:${await freePort()}`,
    );
    await waitFor("the containerised collector's first heartbeat", async () => {
      const state = await docker("inspect", "--format", "{{.State.Status}}", collector);
      if (state !== "running")
        throw new Error(`the collector container is ${state}:\n${await docker("logs", collector)}`);
      const { hosts } = await getJson<{ hosts: HostRow[] }>(agg.url, `/api/v1/hosts?host=${CONTAINED}`);
      return hosts.length === 1;
    });
  }

  it("runs the unit's collector flags, the host's roots among them", () => {
    const words = fleetCollectorRun(collector, "/unused", CONTAINED).command;
    expect(words[0]).toBe("collector");
    expect(longFlags(words)).toEqual(expect.arrayContaining(ROOT_FLAGS));
  });

  it("lists the same containers: names, ids, images and details", async () => {
    const names = [jsonFile, journald].sort();
    const seen = await perHost<{ containers: ContainerDetail[] }>(
      agg.url,
      "both workloads running",
      (host) => `/api/v1/containers?host=${host}&state=running`,
      (a) => names.every((n) => a.containers.some((c) => c.name === n)),
    );
    const ours = (host: (typeof HOSTS)[number]) =>
      seen[host].containers
        .filter((c) => names.includes(c.name))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((c) => without(c, ["host", "firstSeen", "lastSeen"]));
    expect(ours(NATIVE).map((c) => [c.name, c.image])).toEqual(names.map((n) => [n, BUSYBOX]));
    expect(ours(CONTAINED)).toEqual(ours(NATIVE));
    // The collector's own container is the host's too: both list it.
    for (const host of HOSTS) expect(seen[host].containers.map((c) => c.name)).toContain(collector);
  });

  it("stores the same log lines of both drivers", async () => {
    for (const name of [jsonFile, journald]) {
      const lines = await perHost<{ logs: LogLine[] }>(
        agg.url,
        `${name}'s line`,
        (host) => `/api/v1/logs?host=${host}&container=${name}&since=10m`,
        (a) => a.logs.length > 0,
      );
      const rows = (host: (typeof HOSTS)[number]) => lines[host].logs.map((l) => without(l, ["host"]));
      expect(rows(NATIVE)).toMatchObject([{ containerName: name, stream: "stdout", body: marks[name] }]);
      expect(rows(CONTAINED)).toEqual(rows(NATIVE));
    }
  });

  it("stores the same journal entry", async () => {
    const entries = await perHost<{ logs: LogLine[] }>(
      agg.url,
      "the journal marker",
      (host) => `/api/v1/logs?host=${host}&q=${encodeURIComponent(`"${journalMark}"`)}&since=10m`,
      (a) => a.logs.length > 0,
    );
    const rows = (host: (typeof HOSTS)[number]) => entries[host].logs.map((l) => without(l, ["host"]));
    expect(rows(NATIVE)).toMatchObject([
      { source: "journald", identifier: journalTag, body: journalMark, severityText: expect.any(String) },
    ]);
    expect(rows(CONTAINED)).toEqual(rows(NATIVE));
  });

  it("lists the same processes with the host's PIDs", async () => {
    for (const [name, seconds] of [
      [jsonFile, 3001],
      [journald, 3101],
    ] as const) {
      const sleeps = [`sleep ${seconds}`, `sleep ${seconds + 1}`];
      const snapshots = await perHost<{ processes: ProcessRow[] }>(
        agg.url,
        `${name}'s sleeps`,
        (host) => `/api/v1/containers/${name}/processes?host=${host}`,
        (a) => sleeps.every((s) => a.processes.some((p) => p.cmdline === s)),
      );
      // cpuPercent is measured between two snapshots, and each collector takes its own.
      const rows = (host: (typeof HOSTS)[number]) =>
        snapshots[host].processes
          .map((p) => without(p, ["host", "time", "cpuPercent"]))
          .sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0));
      const hostPids = await hostPidsOf(name);
      for (const s of sleeps)
        expect(
          rows(NATIVE).find((p) => p.cmdline === s),
          s,
        ).toMatchObject({
          pid: hostPids.get(s),
          containerName: name,
        });
      expect(rows(NATIVE)).toHaveLength(3); // the shell and its two sleeps
      expect(rows(CONTAINED)).toEqual(rows(NATIVE));
    }
  });

  it("samples the same container from its cgroups and /proc", async () => {
    const samples = await perHost<{ samples: Sample[] }>(
      agg.url,
      `three samples of ${jsonFile}`,
      (host) => `/api/v1/containers/${jsonFile}/samples?host=${host}&since=10m`,
      (a) => a.samples.length >= 3,
    );
    const latest = (host: (typeof HOSTS)[number]) => samples[host].samples.at(-1) as Sample;
    const [n, c] = [latest(NATIVE), latest(CONTAINED)];
    // The same state read the same way: where it came from, the limits, the tasks, the interfaces.
    const same = (s: Sample) => ({
      origin: s.origin,
      memoryLimitBytes: s.memoryLimitBytes,
      pids: s.pids,
      threads: s.threads,
      fileDescriptors: s.fileDescriptors,
      interfaces: s.interfaces?.map((i) => i.name),
      devices: s.devices?.map((d) => d.device),
    });
    expect(same(n)).toMatchObject({ origin: "cgroup", pids: 3, threads: 3 });
    expect(same(c)).toEqual(same(n));
    // Usage is sampled at different moments: present in both, and of the same order.
    for (const field of [
      "cpuUsageSeconds",
      "memoryUsageBytes",
      "memoryWorkingSetBytes",
      "memoryRssBytes",
    ] as const) {
      expect(n[field], field).toBeGreaterThan(0);
      expect(c[field] / n[field], field).toBeGreaterThan(0.5);
      expect(c[field] / n[field], field).toBeLessThan(2);
    }
  });

  it("measures the same writable layer (the unit mounts the Docker root)", async () => {
    const samples = await perHost<{ samples: Sample[] }>(
      agg.url,
      `a writable layer figure of ${jsonFile}`,
      (host) => `/api/v1/containers/${jsonFile}/samples?host=${host}&since=10m`,
      (a) => (a.samples.at(-1)?.fsUsageBytes ?? 0) > 0,
    );
    const [n, c] = [samples[NATIVE].samples.at(-1), samples[CONTAINED].samples.at(-1)] as Sample[];
    expect(c?.fsDevice).toBe(n?.fsDevice);
    expect(c?.fsLimitBytes).toBe(n?.fsLimitBytes);
    // Its json-file log is walked with the layer and may grow between the two walks.
    expect((c?.fsUsageBytes ?? 0) / (n?.fsUsageBytes ?? 1)).toBeGreaterThan(0.5);
    expect((c?.fsUsageBytes ?? 0) / (n?.fsUsageBytes ?? 1)).toBeLessThan(2);
  });

  it("reports the same machine", async () => {
    const seen = await perHost<{ hosts: HostRow[] }>(
      agg.url,
      "a heartbeat",
      (host) => `/api/v1/hosts?host=${host}`,
      (a) => a.hosts.length === 1,
    );
    const machine = (host: (typeof HOSTS)[number]) => {
      const h = seen[host].hosts[0] as HostRow;
      return {
        machineId: h.machineId,
        bootId: h.bootId,
        kernel: h.kernel,
        cpuCores: h.cpuCores,
        memoryBytes: h.memoryBytes,
        swapBytes: h.swapBytes,
        hostname: h.hostname,
        os: h.os,
        interfaces: h.interfaces,
        filesystems: h.filesystems.map((f) => [f.device, f.mountpoint, f.type, f.capacityBytes]),
      };
    };
    expect(machine(NATIVE).machineId).toBe(readText("/etc/machine-id").trim());
    expect(machine(CONTAINED)).toEqual(machine(NATIVE));
  });
});
