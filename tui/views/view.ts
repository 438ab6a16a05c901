// A view is a plug-in: one file exporting one of these, listed once in registry.ts.
import type React from "react";
import type { ViewContext } from "../frame.ts";

export interface ViewPlugin {
  id: string;
  /** Its name in the view picker and the help. */
  name: string;
  description: string;
  /** Its label in the breadcrumb, given where it was opened. */
  crumb(ctx: ViewContext): string;
  /** Only meaningful for one container (drill-down views): left out of the picker otherwise. */
  needsContainer?: boolean;
  /** The view's own keys, for the help and the footer: [key, what it does]. */
  keys: [string, string][];
  /** The few of them worth a place in the footer, in short words. */
  footer?: [string, string][];
  Component: React.FC;
}
