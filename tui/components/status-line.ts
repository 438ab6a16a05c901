// One line above the footer: how talking to the aggregator goes, or the filter being typed.
import { Text } from "ink";
import React from "react";
import { renderSafe } from "../../client/render-safe.ts";
import type { Status } from "../shell-context.ts";

const h = React.createElement;

export function StatusLine(props: { status: Status; editing?: string }) {
  // Messages quote what was asked for (a container name, a filter) and what the API answered.
  const safe = (text: string) => renderSafe(text, { singleLine: true });
  if (props.editing !== undefined)
    return h(
      Text,
      { wrap: "truncate" },
      h(Text, { color: "yellow", bold: true }, "/"),
      `${safe(props.editing)}█`,
    );
  const s = props.status;
  const message = "message" in s ? safe(s.message) : "";
  switch (s.kind) {
    case "unreachable":
      return h(Text, { color: "red", bold: true, wrap: "truncate" }, `✖ aggregator unreachable ${message}`);
    case "error":
      return h(Text, { color: "red", wrap: "truncate" }, `✖ ${message}`);
    case "empty":
      return h(Text, { color: "yellow", wrap: "truncate" }, `no data yet: ${message}`);
    case "loading":
      return h(Text, { dimColor: true }, "loading…");
    default:
      return h(Text, { dimColor: true }, " ");
  }
}
