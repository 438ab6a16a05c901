// Keys every view answers (htop, csysdig and k9s habits); each view adds its own. The shell runs
// these; those without `run` are the movement and sort keys the table and text panel handle.
import type { Key } from "ink";
import type { Frame } from "./frame.ts";
import { type KeyAction, keyActions } from "./keys.ts";

/** What the shell's keys act on, as of the key being handled (keys arrive faster than renders). */
export interface ShellControls {
  /** Whether the help or the view picker is open. */
  overlay: boolean;
  top: Frame;
  quit(): void;
  back(): void;
  clearFilter(): void;
  openFilter(): void;
  togglePause(): void;
  /** Opens the help or the picker, or closes it when it is the one open. */
  toggle(overlay: "help" | "picker"): void;
  /** Hands a key to the view on top. */
  toView(input: string, key: Key): void;
}

export const GLOBAL_KEYS: KeyAction<ShellControls>[] = keyActions<ShellControls>([
  { key: "Enter", label: "open", help: "drill down into the selected row" },
  {
    key: "Backspace / Esc",
    footerKey: "Esc",
    label: "back",
    help: "back (Esc first clears a filter)",
    run: (s, p) => (p.key.escape && s.top.ui.filter ? s.clearFilter() : s.back()),
  },
  {
    key: "/",
    label: "filter",
    help: "filter as you type: text, or field:value words (host:web-1 state:running); Enter keeps, Esc cancels",
    run: (s) => s.openFilter(),
  },
  {
    key: "F2 / :",
    label: "views",
    help: "switch to a view (in the place of this one)",
    run: (s) => s.toggle("picker"),
  },
  {
    key: "F9 / < >",
    label: "sort",
    help: "sort by the next / previous column",
    // F9 is the view's `>`; under the help or the picker it does nothing.
    run: (s, p) => !s.overlay && s.toView(p.fn ? ">" : p.input, p.key),
  },
  { key: "Shift+letter", help: "sort by that column (again: the other way)" },
  { key: "↑ ↓ PgUp PgDn Home End", help: "move" },
  { key: "p", label: "pause", help: "pause / resume refreshing", run: (s) => s.togglePause() },
  { key: "? / F1", label: "help", pinned: true, help: "keys of this view", run: (s) => s.toggle("help") },
  { key: "q / F10", label: "quit", pinned: true, help: "quit", run: (s) => s.quit() },
]);
