// Two lines on top: what this is, where it points and whether it answers, then the breadcrumb of
// the frames.
import { Box, Text } from "ink";
import React from "react";
import { padCell } from "../../client/format.ts";
import { renderSafe } from "../../client/render-safe.ts";

const h = React.createElement;

export function Header(props: {
  url: string;
  crumbs: string[];
  paused: boolean;
  /** Whether the aggregator answered the last request (undefined: nothing has come back yet). */
  reachable?: boolean;
  width: number;
  filter?: string;
}) {
  const [right, color] = props.paused
    ? [" ‖ PAUSED ", "yellow"]
    : props.reachable === false
      ? [" ○ unreachable — retrying ", "red"]
      : props.reachable === undefined
        ? [" ○ connecting… ", "yellow"]
        : [" ● live ", "green"];
  // The breadcrumb names containers and units as they were stored; the filter is what was typed.
  const safe = (s: string) => renderSafe(s, { singleLine: true });
  const title = safe(` fleetscope top  ${props.url}`);
  let crumb = safe(` ${props.crumbs.join(" › ")}`);
  const filter = props.filter ? safe(`   /${props.filter}`) : "";
  const room = props.width - filter.length;
  if (crumb.length > room) crumb = ` …${crumb.slice(crumb.length - room + 2)}`;
  return h(
    Box,
    { flexDirection: "column" },
    h(
      Text,
      { wrap: "truncate" },
      h(Text, { inverse: true, bold: true }, padCell(title, Math.max(0, props.width - right.length))),
      h(Text, { inverse: true, color }, right),
    ),
    h(
      Text,
      { wrap: "truncate" },
      h(Text, { bold: true, color: "cyan" }, crumb),
      h(Text, { color: "yellow" }, filter),
    ),
  );
}
