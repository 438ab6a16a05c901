import type { SourceFactory } from "../source.ts";

/** Every running container's cgroup counters each --stats-interval (the Docker API only as a fallback). */
export const containerStatsSource: SourceFactory = {
  name: "container-stats",
  flags: () => [],
  async create(setup) {
    const { ContainerStatsSource } = await import("./container-stats-source.ts");
    return new ContainerStatsSource({
      intervalMs: setup.statsIntervalMs,
      procRoot: setup.procRoot,
      cgroupRoot: setup.cgroupRoot,
      docker: setup.docker,
    });
  },
};
