// A view is a plug-in: one file exporting one of these, listed once (under its id) in registry.ts.
import type React from "react";
import type { ViewContext } from "../frame.ts";
import type { KeyDoc } from "../keys.ts";

export interface ViewPlugin {
  /** Its name in the view picker and the help. */
  name: string;
  description: string;
  /** Its label in the breadcrumb, given where it was opened. */
  crumb(ctx: ViewContext): string;
  /** Only meaningful for one container (drill-down views): left out of the picker otherwise. */
  needsContainer?: boolean;
  /**
   * The view's own keys (tui/keys.ts), the same list its component handles keys with: the help
   * shows each, the footer those with a label.
   */
  keys: readonly KeyDoc[];
  Component: React.FC;
}
