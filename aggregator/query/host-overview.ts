// Every host with what a fleet view shows beside its heartbeat: containers running/total,
// incidents open and how far behind its collector is.
import { HOST_STALE_SECONDS, type HostOverview, type HostOverviewQuery } from "../../protocol/api/hosts.ts";
import type { Store } from "../store/store.ts";
import { queryHosts } from "./hosts.ts";
import { scopedConditions } from "./scope.ts";
import { toChTime } from "./window.ts";

export async function hostOverview(store: Store, q: HostOverviewQuery): Promise<HostOverview[]> {
  const now = Date.now();
  const hourAgo = scopedConditions({ since: toChTime(new Date(now - 3600_000)) })
    .add("time >= {since:DateTime64(9, 'UTC')}")
    .when(q.host, "host = {host:String}", { host: q.host });
  const open = scopedConditions({ since: toChTime(new Date(now - 24 * 3600_000)) })
    .add("time >= {since:DateTime64(9, 'UTC')}")
    .add("status = 'open'")
    .when(q.host, "host = {host:String}", { host: q.host });
  const [hosts, containers, incidents] = await Promise.all([
    queryHosts(store, q),
    // A container counts when its inventory snapshot is from the last hour (running ones are refreshed each minute).
    store.rows<{ host: string; running: string; total: string }>(
      `SELECT host, countIf(state = 'running') AS running, count() AS total
       FROM (SELECT host, container_id, argMax(state, time) AS state FROM containers ${hourAgo.sql()} GROUP BY host, container_id)
       GROUP BY host`,
      hourAgo.params,
    ),
    store.rows<{ host: string; open: string }>(
      `SELECT host, count() AS open FROM incidents FINAL ${open.sql()} GROUP BY host`,
      open.params,
    ),
  ]);
  const byHost = new Map(containers.map((c) => [c.host, c]));
  const openBy = new Map(incidents.map((i) => [i.host, Number(i.open)]));
  return hosts.map((h) => {
    const lagSeconds = Math.max(0, Math.round((now - Date.parse(h.lastSeen)) / 100) / 10);
    return {
      ...h,
      containersRunning: Number(byHost.get(h.host)?.running ?? 0),
      containersTotal: Number(byHost.get(h.host)?.total ?? 0),
      incidentsOpen: openBy.get(h.host) ?? 0,
      lagSeconds,
      stale: lagSeconds > HOST_STALE_SECONDS,
    };
  });
}
