import { Option } from "commander";
import type { SourceFactory } from "../source.ts";

/** The flags below, as commander parses them. */
interface JournaldFlags {
  /** False with --no-journal. */
  journal?: boolean;
  journalSince?: string;
  journalctl?: string;
}

/** The systemd journal through `journalctl -o json`, resumed from its cursor; kernel OOM reports too. */
export const journaldSource: SourceFactory = {
  name: "journald",
  flags: () => [
    new Option("--no-journal", "do not read the systemd journal").env("FLEETSCOPE_NO_JOURNAL"),
    new Option(
      "--journal-since <time>",
      "on a first start, read the journal from this time (journalctl --since syntax: now, -1h …) instead of all of it; later starts resume from the saved cursor",
    ).env("FLEETSCOPE_JOURNAL_SINCE"),
    new Option("--journalctl <path>", "journalctl to run").env("FLEETSCOPE_JOURNALCTL").default("journalctl"),
  ],
  async create(setup) {
    const flags = setup.flags as JournaldFlags;
    if (flags.journal === false) return undefined;
    const { JournaldSource } = await import("./journald-source.ts");
    return new JournaldSource({
      journalctlPath: flags.journalctl ?? "journalctl",
      firstStartSince: flags.journalSince,
    });
  },
};
