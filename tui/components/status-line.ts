// One line above the footer: how talking to the aggregator goes, or the filter being typed.
import { Text } from "ink";
import React from "react";
import type { Status } from "../shell-context.ts";

const h = React.createElement;

export function StatusLine(props: { status: Status; editing?: string }) {
  if (props.editing !== undefined)
    return h(Text, { wrap: "truncate" }, h(Text, { color: "yellow", bold: true }, "/"), `${props.editing}█`);
  const s = props.status;
  switch (s.kind) {
    case "unreachable":
      return h(Text, { color: "red", bold: true, wrap: "truncate" }, `✖ aggregator unreachable ${s.message}`);
    case "error":
      return h(Text, { color: "red", wrap: "truncate" }, `✖ ${s.message}`);
    case "empty":
      return h(Text, { color: "yellow", wrap: "truncate" }, `no data yet: ${s.message}`);
    case "loading":
      return h(Text, { dimColor: true }, "loading…");
    default:
      return h(Text, { dimColor: true }, " ");
  }
}
