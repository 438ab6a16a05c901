// The last line: the keys that matter here, htop-style (key in reverse, then what it does).
// On a narrow terminal keys drop out from the end of the list, but never the pinned ones (help
// and quit).
import { Text } from "ink";
import React from "react";
import type { FooterEntry } from "../keys.ts";

const h = React.createElement;

const footerWidth = (keys: FooterEntry[]) =>
  keys.reduce((sum, { key, label }) => sum + key.length + label.length + 2, 0);

/** The keys that fit `width`, in their order: the last ones go first, the pinned ones stay. */
export function fitFooter(keys: FooterEntry[], width: number): FooterEntry[] {
  const kept = [...keys];
  while (footerWidth(kept) > width) {
    const last = kept.findLastIndex((k) => !k.pinned);
    if (last < 0) break;
    kept.splice(last, 1);
  }
  return kept;
}

export function Footer(props: { keys: FooterEntry[]; width: number }) {
  const parts = fitFooter(props.keys, props.width).flatMap(({ key, label }) => [
    h(Text, { key: `${key}k`, inverse: true }, key),
    h(Text, { key: `${key}w` }, ` ${label} `),
  ]);
  return h(Text, { wrap: "truncate" }, ...parts);
}
