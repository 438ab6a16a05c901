// GET /api/v1/hosts and /api/v1/overview/hosts.
import { type Static, Type } from "@sinclair/typebox";
import { HostFilesystem, HostInterface, HostRecord } from "../records.ts";
import { Query } from "./params.ts";

export const HostsQuery = Query({
  host: Type.Optional(Type.String({ description: "just this host" })),
});
export type HostsQuery = Static<typeof HostsQuery>;

/** A host with its latest heartbeat's fields (0 or empty where an older collector sent none). */
export const HostRow = Type.Composite([
  Type.Required(Type.Omit(HostRecord, ["kind", "time", "filesystems", "interfaces"])),
  Type.Object({
    filesystems: Type.Array(Type.Required(HostFilesystem)),
    interfaces: Type.Array(Type.Required(HostInterface)),
    firstSeen: Type.String(),
    lastSeen: Type.String(),
  }),
]);
export type HostRow = Static<typeof HostRow>;

export const HostsAnswer = Type.Object({ count: Type.Integer(), hosts: Type.Array(HostRow) });
export type HostsAnswer = Static<typeof HostsAnswer>;

export const HostOverviewQuery = Query({
  host: Type.Optional(Type.String({ description: "host name as the collector reports it; default all" })),
});
export type HostOverviewQuery = Static<typeof HostOverviewQuery>;

/** How often a collector sends its host's heartbeat. */
export const HEARTBEAT_INTERVAL_SECONDS = 30;
/** A host whose last heartbeat is older is late: one heartbeat missed, and most of the next. */
export const HOST_LATE_SECONDS = 2 * HEARTBEAT_INTERVAL_SECONDS;
/** A host whose last heartbeat is older is stale: four heartbeats missed, its collector is gone or cut off. */
export const HOST_STALE_SECONDS = 4 * HEARTBEAT_INTERVAL_SECONDS;

/** A host beside what a fleet view shows with it. */
export const HostOverview = Type.Composite([
  HostRow,
  Type.Object({
    containersRunning: Type.Integer({ description: "of the containers seen in the last hour" }),
    containersTotal: Type.Integer(),
    incidentsOpen: Type.Integer({ description: "opened in the last 24 hours" }),
    lagSeconds: Type.Number({ description: "since its collector's last heartbeat" }),
    stale: Type.Boolean({
      description: `no heartbeat for more than ${HOST_STALE_SECONDS} s (${HOST_STALE_SECONDS / HEARTBEAT_INTERVAL_SECONDS} missed): its collector is gone or cut off`,
    }),
  }),
]);
export type HostOverview = Static<typeof HostOverview>;

export const HostOverviewAnswer = Type.Object({ count: Type.Integer(), hosts: Type.Array(HostOverview) });
export type HostOverviewAnswer = Static<typeof HostOverviewAnswer>;
