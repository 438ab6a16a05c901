// GET /api/v1/containers, /api/v1/containers/{container} and its samples.
import { type Static, Type } from "@sinclair/typebox";
import { ContainerRecord, SampleRecord, UInt32 } from "../records.ts";
import { host, limit, Query, StringEnum, timeWindow } from "./params.ts";

/** Docker's states, and the collector's own for a container gone with `docker rm`. */
export const CONTAINER_STATES = [
  "created",
  "running",
  "paused",
  "restarting",
  "removing",
  "exited",
  "dead",
  "removed",
] as const;

export const ContainersQuery = Query({
  host: host(),
  state: Type.Optional(StringEnum(CONTAINER_STATES)),
  limit: limit(500, 10_000),
});
export type ContainersQuery = Static<typeof ContainersQuery>;

export const ContainerQuery = Query({ host: host() });
export type ContainerQuery = Static<typeof ContainerQuery>;

export const SamplesQuery = Query({ host: host(), ...timeWindow("1h"), limit: limit(1000, 100_000) });
export type SamplesQuery = Static<typeof SamplesQuery>;

/**
 * A container as the inventory knows it: its latest snapshot's fields (the details of an older
 * collector's snapshot empty), with the span it was seen over and the restarts seen.
 */
export const ContainerDetail = Type.Composite([
  Type.Object({ host: Type.String(), id: Type.String(), name: Type.String(), image: Type.String() }),
  Type.Required(
    Type.Omit(ContainerRecord, ["kind", "time", "host", "containerId", "containerName", "image"]),
  ),
  Type.Object({
    restarts: UInt32(
      "every daemon restart the collector saw (Docker's restartCount resets when a person starts it)",
    ),
    firstSeen: Type.String(),
    lastSeen: Type.String(),
  }),
]);
export type ContainerDetail = Static<typeof ContainerDetail>;

export const ContainersAnswer = Type.Object({
  count: Type.Integer(),
  containers: Type.Array(ContainerDetail),
});
export type ContainersAnswer = Static<typeof ContainersAnswer>;

/** A stored resource sample: the record with every field (0 where an older collector sent none). */
export const SampleRow = Type.Required(Type.Omit(SampleRecord, ["kind"]));
export type SampleRow = Static<typeof SampleRow>;

export const SamplesAnswer = Type.Object({ count: Type.Integer(), samples: Type.Array(SampleRow) });
export type SamplesAnswer = Static<typeof SamplesAnswer>;
