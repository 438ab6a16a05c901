import type { SourceFactory } from "../source.ts";

/** Output of containers on Docker's `local` driver, read through the Docker API with a `since` cursor. */
export const dockerLocalLogsSource: SourceFactory = {
  name: "docker-local",
  flags: () => [],
  async create(setup) {
    const { DockerLocalLogSource } = await import("./docker-local-logs-source.ts");
    // The reader holds lines up to its own default (256 KiB), not --max-line-size; the pipeline then
    // cuts to --max-line-size as for every source.
    return new DockerLocalLogSource(setup.docker);
  },
};
