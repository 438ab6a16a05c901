import { Option } from "commander";
import { parseSecretPatterns } from "../../../protocol/secrets.ts";
import type { SourceFactory } from "../source.ts";

/** The flags below, as commander parses them. */
interface ProcessesFlags {
  secretPatterns?: string[];
}

/** Each container's processes and the host's top by CPU, from /proc, each --stats-interval. */
export const processesSource: SourceFactory = {
  name: "processes",
  flags: () => [
    new Option(
      "--secret-patterns <globs>",
      "more option and variable names whose values are masked in command lines, as a comma list of *-globs (*_DSN,db-url); --token, --password, *_KEY=, *SECRET*, *TOKEN* … are always masked",
    )
      .env("FLEETSCOPE_SECRET_PATTERNS")
      .argParser(parseSecretPatterns),
  ],
  async create(setup) {
    const flags = setup.flags as ProcessesFlags;
    const { ProcessesSource } = await import("./processes-source.ts");
    const { SecretScrubber } = await import("../../../protocol/secrets.ts");
    return new ProcessesSource({
      intervalMs: setup.statsIntervalMs,
      procRoot: setup.procRoot,
      cgroupRoot: setup.cgroupRoot,
      scrubber: new SecretScrubber(flags.secretPatterns ?? []),
    });
  },
};
