// Every view, once, under its id. The order is the view picker's; the ids are the type `ViewId`,
// so a view opened by a typo does not compile.
import { containersView } from "./containers.ts";
import { eventsView } from "./events.ts";
import { hostsView } from "./hosts.ts";
import { incidentsView } from "./incidents.ts";
import { inspectView } from "./inspect.ts";
import { logsView } from "./logs.ts";
import { processesView } from "./processes.ts";
import { topProcessesView } from "./top-processes.ts";
import type { ViewPlugin } from "./view.ts";
import { whyView } from "./why.ts";

const REGISTRY = {
  containers: containersView,
  hosts: hostsView,
  "top-processes": topProcessesView,
  logs: logsView,
  events: eventsView,
  incidents: incidentsView,
  processes: processesView,
  why: whyView,
  inspect: inspectView,
} satisfies Record<string, ViewPlugin>;

export type ViewId = keyof typeof REGISTRY;

export interface RegisteredView extends ViewPlugin {
  id: ViewId;
}

export const VIEWS: readonly RegisteredView[] = Object.entries(REGISTRY).map(([id, view]) => ({
  ...view,
  id: id as ViewId,
}));

export const VIEW_IDS: readonly ViewId[] = VIEWS.map((v) => v.id);

/** The view of a run-time name (--view): unknown names fail with the list of known ones. */
export function viewById(id: string): RegisteredView {
  const view = VIEWS.find((v) => v.id === id);
  if (!view) throw new Error(`no view "${id}"; views: ${VIEW_IDS.join(", ")}`);
  return view;
}
