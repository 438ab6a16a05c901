// The last line: the keys that matter here, htop-style (key in reverse, then what it does).
import { Text } from "ink";
import React from "react";

const h = React.createElement;

export function Footer(props: { keys: [string, string][]; width: number }) {
  const parts: React.ReactNode[] = [];
  let used = 0;
  for (const [key, what] of props.keys) {
    const len = key.length + what.length + 2;
    if (used + len > props.width) break;
    parts.push(h(Text, { key: `${key}k`, inverse: true }, key), h(Text, { key: `${key}w` }, ` ${what} `));
    used += len;
  }
  return h(Text, { wrap: "truncate" }, ...parts);
}
