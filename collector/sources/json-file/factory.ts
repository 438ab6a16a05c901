import type { SourceFactory } from "../source.ts";

/** Output of containers on Docker's json-file driver, tailed from disk with a per-file cursor. */
export const jsonFileSource: SourceFactory = {
  name: "docker-json",
  flags: () => [],
  async create(setup) {
    const { JsonFileLogSource } = await import("./json-file-source.ts");
    // The merger keeps a little more than the limit, so the pipeline sees the line is too long and marks it.
    return new JsonFileLogSource({ maxRecordBytes: setup.maxLineBytes + 1 });
  },
};
