import type { SourceFactory } from "../source.ts";

/** Docker's container events, resumed from a `since` cursor; it also keeps the inventory current. */
export const dockerEventsSource: SourceFactory = {
  name: "docker-events",
  flags: () => [],
  async create(setup) {
    const { DockerEventsSource } = await import("./docker-events-source.ts");
    return new DockerEventsSource(setup.docker, setup.inventory);
  },
};
