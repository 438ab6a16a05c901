// Key-action lists: the shell and each view declare their keys once, as a list of actions, and
// the key handling, the footer and the `?` help all come from that list. An action without `run`
// is only told (in the help, maybe on the footer): something else handles it — the table's and
// the text panel's movement keys, or a shell key (`/`, `p`) a view explains in its own words.
import type { Key } from "ink";
import type { FunctionKey } from "./use-function-keys.ts";

/** A key as it arrives: the typed text and ink's flags, or an F-key read from the raw input. */
export interface KeyPress {
  input: string;
  key: Key;
  fn?: FunctionKey;
}

export interface KeyAction<T> {
  /**
   * The keys, exactly as the help shows them and as they are matched: alternatives split by
   * " / " and spaces, each a typed character ("l", "?") or a name (Enter, Esc, Backspace, ↑, ↓,
   * PgUp, PgDn, Home, End, F1, F2, F9, F10): "Enter / P", "q / F10", "↑ ↓ PgUp PgDn".
   */
  key: string;
  /** What it does, for the help. */
  help: string;
  /** Its short word on the footer; without one the action is only in the help. */
  label?: string;
  /** The key the footer shows, when not the first of `key` ("Esc" for "Backspace / Esc"). */
  footerKey?: string;
  /** Stays on the footer however narrow the terminal (help and quit: how to find the rest, how to leave). */
  pinned?: boolean;
  /** Does it, on `target` (what the list's owner hands its actions); `false`: not used after all. */
  run?: (target: T, press: KeyPress) => unknown;
}

/** What the help and the footer read of an action, whatever it runs on. */
export type KeyDoc = Pick<KeyAction<never>, "key" | "help" | "label" | "footerKey" | "pinned">;

/** A key on the footer: the key, its short word, and whether it stays on a narrow terminal. */
export interface FooterEntry {
  key: string;
  label: string;
  pinned: boolean;
}

const NAMED: Record<string, (p: KeyPress) => boolean> = {
  Enter: (p) => p.key.return,
  Esc: (p) => p.key.escape,
  Backspace: (p) => p.key.backspace,
  "↑": (p) => p.key.upArrow,
  "↓": (p) => p.key.downArrow,
  PgUp: (p) => p.key.pageUp,
  PgDn: (p) => p.key.pageDown,
  Home: (p) => p.key.home,
  End: (p) => p.key.end,
  F1: (p) => p.fn === "f1",
  F2: (p) => p.fn === "f2",
  F9: (p) => p.fn === "f9",
  F10: (p) => p.fn === "f10",
};

const tokens = (key: string) => key.split(/\s+\/\s+|\s+/).filter(Boolean);

const matchers = new Map<string, (p: KeyPress) => boolean>();

/** The matcher of a `key` text; an unknown name throws (a typo would otherwise be a dead key). */
function matcher(key: string): (p: KeyPress) => boolean {
  let m = matchers.get(key);
  if (m) return m;
  const each = tokens(key).map((t) => {
    const named = NAMED[t];
    if (named) return named;
    if ([...t].length !== 1) throw new Error(`key "${t}" in "${key}": not a character nor a known key name`);
    return (p: KeyPress) => !p.fn && p.input === t;
  });
  m = (p) => each.some((test) => test(p));
  matchers.set(key, m);
  return m;
}

/** Checks every `key` of actions that run now, when the list is made, rather than at the first key. */
export function keyActions<T>(list: KeyAction<T>[]): KeyAction<T>[] {
  for (const a of list) if (a.run) matcher(a.key);
  return list;
}

/** The first action of `list` that runs for `press`, if any. */
export const findKey = <T>(list: readonly KeyAction<T>[], press: KeyPress): KeyAction<T> | undefined =>
  list.find((a) => a.run && matcher(a.key)(press));

/** Runs the action of `list` for `press`; true when there was one (and it did not answer `false`). */
export function runKey<T>(list: readonly KeyAction<T>[], press: KeyPress, target: T): boolean {
  const action = findKey(list, press);
  return action?.run ? action.run(target, press) !== false : false;
}

/** A view's key handler (for `useViewKeys` or a text panel) from its list and what its actions act on. */
export const keyHandler =
  <T>(list: readonly KeyAction<T>[], target: T) =>
  (input: string, key: Key): boolean =>
    runKey(list, { input, key }, target);

/** [key, what it does] lines for the help. */
export const helpLines = (list: readonly KeyDoc[]): [string, string][] => list.map((a) => [a.key, a.help]);

/** The footer's part of a list: the actions that have a label, in their order. */
export const footerEntries = (list: readonly KeyDoc[]): FooterEntry[] =>
  list.flatMap((a) =>
    a.label
      ? [{ key: a.footerKey ?? tokens(a.key)[0] ?? a.key, label: a.label, pinned: a.pinned === true }]
      : [],
  );
