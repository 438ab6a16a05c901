// The machine view's parsers on files captured from this project's build machine
// (test/fixtures/host/SOURCE.md), and the host source reading a whole fixture tree.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HostSource } from "../../collector/sources/host/host-source.ts";
import {
  busyCores,
  osPrettyName,
  parseFleetConf,
  parseLabels,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetInterface,
  parseProcStat,
  parseUptime,
  readNetInterfaces,
} from "../../collector/sources/host/machine.ts";

const DIR = new URL("../fixtures/host/", import.meta.url).pathname;
const fixture = (p: string) => readFileSync(`${DIR}${p}`, "utf8");
const KiB = 1024;

describe("host parsers on real /proc and /etc bytes", () => {
  it("reads /proc/meminfo in bytes", () => {
    const m = parseMeminfo(fixture("proc/meminfo"));
    expect(m.get("MemTotal")).toBe(24683656 * KiB);
    expect(m.get("MemAvailable")).toBe(23791772 * KiB);
    expect(m.get("SwapTotal")).toBe(0);
    expect(m.get("Active(anon)")).toBe(1580 * KiB);
    expect(m.get("HugePages_Total")).toBe(0); // a count, not kB
  });

  it("reads the load averages and the uptime", () => {
    expect(parseLoadavg(fixture("proc/loadavg"))).toEqual({ load1: 0.58, load5: 0.73, load15: 0.64 });
    expect(parseUptime(fixture("proc/uptime"))).toBe(2559.44);
    expect(parseLoadavg("")).toEqual({ load1: 0, load5: 0, load15: 0 });
  });

  it("turns two /proc/stat readings into busy cores", () => {
    const a = parseProcStat(fixture("proc/stat.0"));
    const b = parseProcStat(fixture("proc/stat.1"));
    // cpu  86389 0 22791 397290 1684 0 1007 156 0 0  →  cpu  86415 0 22813 397633 1686 0 1008 156 0 0
    expect(a).toEqual({ busy: 86389 + 22791 + 1007 + 156, total: 509317, cpus: 2 });
    expect(b?.total).toBe(509711);
    if (!a || !b) throw new Error("unparsed");
    // 49 busy ticks of 394 on 2 CPUs.
    expect(busyCores(a, b)).toBeCloseTo((49 / 394) * 2, 6);
    expect(busyCores(b, b)).toBe(0);
    expect(parseProcStat("intr 1 2 3")).toBeUndefined();
  });

  it("takes PRETTY_NAME from os-release", () => {
    expect(osPrettyName(fixture("etc/os-release"))).toBe("Debian GNU/Linux 12 (bookworm)");
    expect(osPrettyName('NAME="Alpine Linux"\nVERSION=3.20\n')).toBe("Alpine Linux 3.20");
  });

  it("keeps block-device filesystems only, one per device", () => {
    expect(parseMounts(fixture("proc/mounts"))).toEqual([
      { device: "/dev/vda", mountpoint: "/", type: "ext4" },
    ]);
    expect(parseMounts("/dev/sdb1 /mnt/my\\040disk xfs rw 0 0\n")).toEqual([
      { device: "/dev/sdb1", mountpoint: "/mnt/my disk", type: "xfs" },
    ]);
  });

  it("reads interfaces backed by a device, with speed -1 as 0", async () => {
    expect(await readNetInterfaces(`${DIR}sys`)).toEqual([
      { name: "eth0", mac: "02:fc:00:00:00:01", speedMbps: 0, mtu: 1400 },
    ]);
    expect(
      parseNetInterface("docker0", {
        address: fixture("sys/class/net/docker0/address"),
        speed: fixture("sys/class/net/docker0/speed"),
        mtu: fixture("sys/class/net/docker0/mtu"),
      }),
    ).toEqual({ name: "docker0", mac: "02:42:71:2b:e7:b0", speedMbps: 10000, mtu: 1500 });
    expect(parseNetInterface("ifb0", { address: fixture("sys/class/net/ifb0/address") }).speedMbps).toBe(0);
  });

  it("reads labels from flags, lists and fleet.conf's metadata", () => {
    expect(parseLabels(["role=web", "zone=a,rack=r1"])).toEqual({ role: "web", zone: "a", rack: "r1" });
    expect(parseLabels("k=v=w, empty=")).toEqual({ k: "v=w", empty: "" });
    expect(() => parseLabels("novalue")).toThrow(/not key=value/);
    expect(() => parseLabels("=x")).toThrow(/not key=value/);
    expect(parseFleetConf(fixture("etc/fleet/fleet.conf"))).toEqual({
      region: "us-west",
      az: "us-west-1",
      role: "web",
    });
    expect(parseFleetConf('# metadata="a=b"\nverbosity=0\n')).toEqual({});
  });
});

describe("the host source", () => {
  it("fills the machine view from a /proc, /sys and /etc tree, operator labels over fleet's", async () => {
    const src = new HostSource({
      collectorId: "c1",
      version: "test",
      intervalMs: 60_000,
      procRoot: `${DIR}proc`,
      sysRoot: `${DIR}sys`,
      etcRoot: `${DIR}etc`,
      fleetConf: `${DIR}etc/fleet/fleet.conf`,
      env: {},
      labels: { role: "db" },
    });
    const h = await src.describe("vm");
    expect(h).toMatchObject({
      kind: "host",
      host: "vm",
      os: "Debian GNU/Linux 12 (bookworm)",
      swapBytes: 0,
      memoryAvailableBytes: 23791772 * KiB,
      uptimeSeconds: 2559.44,
      load1: 0.58,
      cpuBusyCores: 0, // first heartbeat: no previous reading
      labels: { region: "us-west", az: "us-west-1", role: "db" },
      interfaces: [{ name: "eth0", mac: "02:fc:00:00:00:01", speedMbps: 0, mtu: 1400 }],
    });
    // proc/1/mounts (the host init's table) is absent from the fixture tree, which has proc/mounts:
    // no filesystems.
    expect(h.filesystems).toEqual([]);
  });

  it("prefers FLEET_METADATA over fleet.conf", async () => {
    const src = new HostSource({
      collectorId: "c1",
      version: "test",
      intervalMs: 60_000,
      procRoot: `${DIR}proc`,
      fleetConf: `${DIR}etc/fleet/fleet.conf`,
      env: { FLEET_METADATA: "region=eu-north,disk=ssd" },
    });
    expect((await src.describe("vm")).labels).toEqual({ region: "eu-north", disk: "ssd" });
  });
});
