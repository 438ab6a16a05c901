import type { SourceFactory } from "../source.ts";

/** Each container's processes and the host's top by CPU, from /proc, each --stats-interval. */
export const processesSource: SourceFactory = {
  name: "processes",
  flags: () => [],
  async create(setup) {
    const { ProcessesSource } = await import("./processes-source.ts");
    return new ProcessesSource({
      intervalMs: setup.statsIntervalMs,
      procRoot: setup.procRoot,
      cgroupRoot: setup.cgroupRoot,
    });
  },
};
