// Keys every view answers (htop, csysdig and k9s habits); each view adds its own.
export const GLOBAL_KEYS: [string, string][] = [
  ["Enter", "drill down into the selected row"],
  ["Backspace / Esc", "back (Esc first clears a filter)"],
  [
    "/",
    "filter as you type: text, or field:value words (host:web-1 state:running); Enter keeps, Esc cancels",
  ],
  ["F2 / :", "switch to a view (in the place of this one)"],
  ["F9 / < >", "sort by the next / previous column"],
  ["Shift+letter", "sort by that column (again: the other way)"],
  ["↑ ↓ PgUp PgDn Home End", "move"],
  ["p", "pause / resume refreshing"],
  ["? / F1", "keys of this view"],
  ["q / F10", "quit"],
];

/** The footer's short form; on a narrow terminal the last ones drop out first, but never ? and q. */
export const FOOTER_KEYS: [string, string][] = [
  ["Enter", "open"],
  ["Esc", "back"],
  ["/", "filter"],
  ["F2", "views"],
  ["F9", "sort"],
  ["p", "pause"],
  ["?", "help"],
  ["q", "quit"],
];
