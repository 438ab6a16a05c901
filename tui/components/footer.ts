// The last line: the keys that matter here, htop-style (key in reverse, then what it does).
// On a narrow terminal keys drop out from the end of the list, but never help and quit.
import { Text } from "ink";
import React from "react";

const h = React.createElement;

/** How to find every other key, and how to leave: always on the footer. */
const ALWAYS = new Set(["?", "q"]);

const footerWidth = (keys: [string, string][]) =>
  keys.reduce((sum, [key, what]) => sum + key.length + what.length + 2, 0);

/** The keys that fit `width`, in their order: the last ones go first, help and quit stay. */
export function fitFooter(keys: [string, string][], width: number): [string, string][] {
  const kept = [...keys];
  while (footerWidth(kept) > width) {
    const last = kept.findLastIndex(([key]) => !ALWAYS.has(key));
    if (last < 0) break;
    kept.splice(last, 1);
  }
  return kept;
}

export function Footer(props: { keys: [string, string][]; width: number }) {
  const parts = fitFooter(props.keys, props.width).flatMap(([key, what]) => [
    h(Text, { key: `${key}k`, inverse: true }, key),
    h(Text, { key: `${key}w` }, ` ${what} `),
  ]);
  return h(Text, { wrap: "truncate" }, ...parts);
}
