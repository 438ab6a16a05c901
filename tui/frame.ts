// Where the person is: a stack of frames (the breadcrumb), each a view with its context.
import type { ViewId } from "./views/registry.ts";

/** What a view shows: the fleet, a host, a container, a moment. Views use what they need. */
export interface ViewContext {
  host?: string;
  /** Name, id or id prefix (12+). */
  container?: string;
  /** The container's name, for the breadcrumb. */
  containerName?: string;
  /** A systemd unit (journal lines of an incident without a container). */
  unit?: string;
  /** Explain the death at or before this time (why). */
  at?: string;
}

/** A view's UI state that survives drilling down and coming back: filter, sort, selection. */
export interface FrameUi {
  filter?: string;
  sortColumn?: string;
  sortDesc?: boolean;
  selectedKey?: string;
  [other: string]: unknown;
}

export type UiPatch = Partial<FrameUi> | ((ui: FrameUi) => Partial<FrameUi>);

export interface Frame {
  /** Unique in this run: keys typed for a frame reach only its view. */
  id: number;
  view: ViewId;
  ctx: ViewContext;
  ui: FrameUi;
}

let frames = 0;
export const frame = (view: ViewId, ctx: ViewContext = {}): Frame => ({ id: ++frames, view, ctx, ui: {} });
