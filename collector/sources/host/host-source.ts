import { readFile } from "node:fs/promises";
import { cpus, hostname, release, totalmem } from "node:os";
import type { HostRecord } from "../../../protocol/records.ts";
import { nowRfc3339 } from "../../../protocol/time.ts";
import type { Source, SourceContext } from "../source.ts";
import {
  busyCores,
  type CpuTicks,
  type Filesystem,
  osPrettyName,
  parseFleetConf,
  parseLabels,
  parseLoadavg,
  parseMeminfo,
  parseProcStat,
  parseUptime,
  readFilesystems,
  readNetInterfaces,
} from "./machine.ts";

export interface HostSourceOptions {
  collectorId: string;
  version: string;
  intervalMs: number;
  /** The host's /proc (e.g. /host/proc for a collector in a container). */
  procRoot?: string;
  /** The host's /sys. */
  sysRoot?: string;
  /** The host's /etc (os-release, machine-id). */
  etcRoot?: string;
  /** Operator labels (--label, FLEETSCOPE_LABELS); they win over fleet's metadata. */
  labels?: Record<string, string>;
  /** fleet's config file, whose `metadata="k=v,…"` line becomes labels; FLEET_METADATA wins over it. */
  fleetConf?: string;
  /** Where FLEET_METADATA is looked up; the process environment by default. */
  env?: NodeJS.ProcessEnv;
}

/** A heartbeat describing this host and its collector, so the aggregator knows who is alive. */
export class HostSource implements Source {
  readonly name = "host";
  readonly #opts: Required<HostSourceOptions>;
  #timer: NodeJS.Timeout | undefined;
  #prevCpu: CpuTicks | undefined;

  constructor(opts: HostSourceOptions) {
    this.#opts = {
      ...opts,
      procRoot: opts.procRoot ?? "/proc",
      sysRoot: opts.sysRoot ?? "/sys",
      etcRoot: opts.etcRoot ?? "/etc",
      fleetConf: opts.fleetConf ?? "/etc/fleet/fleet.conf",
      env: opts.env ?? process.env,
      labels: opts.labels ?? {},
    };
  }

  async start(ctx: SourceContext): Promise<void> {
    const beat = async () => {
      try {
        await ctx.emit([await this.describe(ctx.host)]);
      } catch (err) {
        ctx.log.warn({ err: String(err) }, "host heartbeat failed");
      }
    };
    await beat();
    this.#timer = setInterval(() => void beat(), this.#opts.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
  }

  /** This host as one heartbeat; CPU busy cores covers the time since the previous call (0 on the first). */
  async describe(host: string): Promise<HostRecord> {
    const o = this.#opts;
    const read = (p: string) =>
      readFile(p, "utf8").then(
        (s) => s.trim(),
        () => "",
      );
    const meminfo = parseMeminfo(await read(`${o.procRoot}/meminfo`));
    const cpu = parseProcStat(await read(`${o.procRoot}/stat`));
    const cpuBusyCores = cpu && this.#prevCpu ? busyCores(this.#prevCpu, cpu) : 0;
    this.#prevCpu = cpu;
    return {
      kind: "host",
      time: nowRfc3339(),
      host,
      collectorId: o.collectorId,
      collectorVersion: o.version,
      bootId: await read(`${o.procRoot}/sys/kernel/random/boot_id`),
      machineId: (await read(`${o.etcRoot}/machine-id`)) || (await read("/var/lib/dbus/machine-id")),
      kernel: release(),
      cpuCores: cpus().length,
      memoryBytes: totalmem(),
      // The kernel's host name (the UTS namespace's: run the collector with the host's, --uts=host).
      hostname: hostname(),
      // PID 1's first: in a container, /etc is the image's (Debian), not the host's (CoreOS …).
      os: osPrettyName(
        (await read(`${o.procRoot}/1/root/etc/os-release`)) || (await read(`${o.etcRoot}/os-release`)),
      ),
      swapBytes: meminfo.get("SwapTotal") ?? 0,
      memoryAvailableBytes: meminfo.get("MemAvailable") ?? 0,
      uptimeSeconds: parseUptime(await read(`${o.procRoot}/uptime`)),
      ...parseLoadavg(await read(`${o.procRoot}/loadavg`)),
      cpuBusyCores: Math.round(cpuBusyCores * 1000) / 1000,
      labels: { ...(await this.#fleetMetadata()), ...o.labels },
      filesystems: await this.#filesystems(),
      interfaces: await readNetInterfaces(o.sysRoot),
    };
  }

  /**
   * The host's filesystems. /proc/self is whoever reads it: in a container, the container's own
   * mounts, even through the host's /proc. PID 1's table is the host's (its init). Each is measured
   * through PID 1's root where this process may look there (CAP_SYS_PTRACE; some sandboxes' init
   * refuses even that), else at its own path, which is the host's for a native collector.
   */
  #filesystems(): Promise<Filesystem[]> {
    const init = `${this.#opts.procRoot}/1`;
    return readFilesystems(`${init}/mounts`, (mountpoint) => [`${init}/root${mountpoint}`, mountpoint]);
  }

  /**
   * fleet's machine metadata. fleetd reads it from its config file or from FLEET_METADATA (its
   * `FLEET_`-prefixed options); it does not pass it to the units it starts, so a collector sees
   * FLEET_METADATA only when the operator gives it the same environment. Malformed → ignored.
   */
  async #fleetMetadata(): Promise<Record<string, string>> {
    try {
      const fromEnv = this.#opts.env.FLEET_METADATA;
      if (fromEnv) return parseLabels(fromEnv);
      return parseFleetConf(await readFile(this.#opts.fleetConf, "utf8"));
    } catch {
      return {};
    }
  }
}
