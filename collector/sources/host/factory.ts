import { InvalidArgumentError, Option } from "commander";
import { HEARTBEAT_INTERVAL_SECONDS } from "../../../protocol/api/hosts.ts";
import type { SourceFactory } from "../source.ts";
import { parseLabels } from "./machine.ts";

/** The flags below, as commander parses them. */
interface HostFlags {
  label?: Record<string, string>;
  fleetConf?: string;
}

/** `--label k=v` (repeatable, or a `k=v,k2=v2` list as FLEETSCOPE_LABELS) → merged labels. */
export function parseLabelArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  try {
    return { ...previous, ...parseLabels(value) };
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}; expected key=value such as role=web`);
  }
}

/** The host heartbeat: machine facts, load, filesystems, interfaces, labels; every 30 s. */
export const hostSource: SourceFactory = {
  name: "host",
  flags: () => [
    new Option(
      "--label <key=value>",
      "operator label for this host, over fleet's metadata (repeatable; env: a k=v,k2=v2 list)",
    )
      .env("FLEETSCOPE_LABELS")
      .default({}, "none")
      .argParser(parseLabelArg),
    new Option(
      "--fleet-conf <path>",
      'fleet\'s config file: its metadata="k=v,…" becomes host labels (FLEET_METADATA in the environment wins)',
    )
      .env("FLEETSCOPE_FLEET_CONF")
      .default("/etc/fleet/fleet.conf"),
  ],
  async create(setup) {
    const flags = setup.flags as HostFlags;
    const { HostSource } = await import("./host-source.ts");
    return new HostSource({
      collectorId: setup.collectorId,
      version: setup.version,
      intervalMs: HEARTBEAT_INTERVAL_SECONDS * 1000,
      procRoot: setup.procRoot,
      sysRoot: setup.sysRoot,
      labels: flags.label,
      fleetConf: flags.fleetConf,
    });
  },
};
