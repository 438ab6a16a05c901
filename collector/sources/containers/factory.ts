import type { SourceFactory } from "../source.ts";

/** The container inventory as records: on every change, and all of it every minute. */
export const containersSource: SourceFactory = {
  name: "containers",
  flags: () => [],
  async create() {
    const { ContainersSource } = await import("./containers-source.ts");
    return new ContainersSource({ refreshMs: 60_000 });
  },
};
