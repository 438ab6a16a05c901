import { InvalidArgumentError, Option } from "commander";
import { parseFlagDuration } from "../../flags.ts";
import type { SourceFactory } from "../source.ts";

/** The flags below, as commander parses them. */
interface ContainerStatsFlags {
  fsUsageInterval?: number | false;
  fsUsageMaxEntries?: number;
}

/** cAdvisor walks each container's layer once a minute (its fsHandler's default period). */
const DEFAULT_FS_USAGE_INTERVAL_MS = 60_000;
/**
 * Entries one walk may look at. Measured here: ~9 µs of CPU per entry, so a walk cut at 100k
 * costs ~0.9 s of CPU, at most ~1.5% of a core per such container at the default interval.
 */
export const DEFAULT_FS_USAGE_MAX_ENTRIES = 100_000;

/** `off`, or a duration of at least one second (a walk per container per interval). */
function parseFsUsageInterval(value: string): number | false {
  if (value.trim().toLowerCase() === "off") return false;
  const ms = parseFlagDuration(value);
  if (ms < 1000) throw new InvalidArgumentError("expected off or a duration of at least 1s, such as 1m");
  return ms;
}

function parseMaxEntries(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1e9)
    throw new InvalidArgumentError("expected a whole number from 1 to 1000000000");
  return n;
}

/** Every running container's cgroup counters each --stats-interval (the Docker API only as a fallback). */
export const containerStatsSource: SourceFactory = {
  name: "container-stats",
  flags: () => [
    new Option(
      "--fs-usage-interval <duration>",
      "how often each running container's writable layer (overlay2 upper dir + its log dir) is walked for container_fs_usage_bytes, one container at a time spread over the interval; off: no walks and no container_fs_* usage series",
    )
      .env("FLEETSCOPE_FS_USAGE_INTERVAL")
      .default(DEFAULT_FS_USAGE_INTERVAL_MS, "1m")
      .argParser(parseFsUsageInterval),
    new Option(
      "--fs-usage-max-entries <n>",
      'files and directories one container\'s walk may look at; a layer with more keeps its last complete value, is logged once and counted in fleetscope_collector_samples_skipped_total{reason="fs-usage-over-budget"}',
    )
      .env("FLEETSCOPE_FS_USAGE_MAX_ENTRIES")
      .default(DEFAULT_FS_USAGE_MAX_ENTRIES, String(DEFAULT_FS_USAGE_MAX_ENTRIES))
      .argParser(parseMaxEntries),
  ],
  async create(setup) {
    const flags = setup.flags as ContainerStatsFlags;
    const { ContainerStatsSource } = await import("./container-stats-source.ts");
    const interval = flags.fsUsageInterval ?? DEFAULT_FS_USAGE_INTERVAL_MS;
    return new ContainerStatsSource({
      intervalMs: setup.statsIntervalMs,
      procRoot: setup.procRoot,
      cgroupRoot: setup.cgroupRoot,
      docker: setup.docker,
      fsUsage:
        interval === false
          ? undefined
          : {
              intervalMs: interval,
              maxEntries: flags.fsUsageMaxEntries ?? DEFAULT_FS_USAGE_MAX_ENTRIES,
              sysRoot: setup.sysRoot,
            },
    });
  },
};
