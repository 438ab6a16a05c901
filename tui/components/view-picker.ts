// F2 / `:`: the views to switch to, k9s-style; ↑↓ and Enter, or the view's number.
import { Box, Text } from "ink";
import React from "react";
import type { RegisteredView } from "../views/registry.ts";

const h = React.createElement;

export function ViewPicker(props: { views: RegisteredView[]; selected: number; height: number }) {
  return h(
    Box,
    { flexDirection: "column", height: props.height, overflow: "hidden" },
    h(Text, { bold: true }, "open a view (↑↓ Enter, or its number; Esc cancels)"),
    ...props.views.map((v, i) =>
      h(
        Text,
        { key: v.id, inverse: i === props.selected, wrap: "truncate" },
        ` ${i + 1}  ${v.name.padEnd(16)} ${v.description}`,
      ),
    ),
  );
}
