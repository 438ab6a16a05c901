import { readFile } from "node:fs/promises";
import { cpus, release, totalmem } from "node:os";
import type { HostRecord } from "../../protocol/records.ts";
import { nowRfc3339 } from "../../protocol/time.ts";
import type { Source, SourceContext } from "./source.ts";

/** A heartbeat describing this host and its collector, so the aggregator knows who is alive. */
export class HostSource implements Source {
  readonly name = "host";
  readonly #opts: { collectorId: string; version: string; intervalMs: number; procRoot: string };
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: { collectorId: string; version: string; intervalMs: number; procRoot?: string }) {
    this.#opts = { procRoot: "/proc", ...opts };
  }

  async start(ctx: SourceContext): Promise<void> {
    const beat = async () => ctx.emit([await this.#describe(ctx.host)]);
    await beat();
    this.#timer = setInterval(() => void beat(), this.#opts.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
  }

  async #describe(host: string): Promise<HostRecord> {
    const read = (p: string) =>
      readFile(p, "utf8").then(
        (s) => s.trim(),
        () => "",
      );
    return {
      kind: "host",
      time: nowRfc3339(),
      host,
      collectorId: this.#opts.collectorId,
      collectorVersion: this.#opts.version,
      bootId: await read(`${this.#opts.procRoot}/sys/kernel/random/boot_id`),
      machineId: (await read("/etc/machine-id")) || (await read("/var/lib/dbus/machine-id")),
      kernel: release(),
      cpuCores: cpus().length,
      memoryBytes: totalmem(),
    };
  }
}
