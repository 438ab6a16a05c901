// `?` / F1: the keys of the current view, then the ones every view answers, both from their
// key-action lists.
import { Box, Text } from "ink";
import React from "react";
import { GLOBAL_KEYS } from "../global-keys.ts";
import { helpLines } from "../keys.ts";
import type { ViewPlugin } from "../views/view.ts";

const h = React.createElement;

export function Help(props: { view: ViewPlugin; height: number }) {
  const line = ([key, what]: [string, string]) =>
    h(Text, { key, wrap: "truncate" }, h(Text, { color: "cyan" }, `  ${key.padEnd(24)}`), what);
  const rows = [
    h(Text, { key: "t", bold: true }, `${props.view.name}: ${props.view.description}`),
    ...helpLines(props.view.keys).map(line),
    h(Text, { key: "g", bold: true }, "every view"),
    ...helpLines(GLOBAL_KEYS).map(line),
    h(Text, { key: "x", dimColor: true }, "any key closes this help"),
  ];
  return h(
    Box,
    { flexDirection: "column", height: props.height, overflow: "hidden" },
    ...rows.slice(0, props.height),
  );
}
