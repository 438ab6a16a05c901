// Every view, once. The order is the view picker's.
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

export const VIEWS: ViewPlugin[] = [
  containersView,
  hostsView,
  topProcessesView,
  logsView,
  eventsView,
  incidentsView,
  processesView,
  whyView,
  inspectView,
];

export const VIEW_IDS = VIEWS.map((v) => v.id);

export function viewById(id: string): ViewPlugin {
  const view = VIEWS.find((v) => v.id === id);
  if (!view) throw new Error(`no view "${id}"; views: ${VIEW_IDS.join(", ")}`);
  return view;
}
