// A scrollable page of styled lines (why, inspect): ↑↓ PgUp PgDn Home End, other keys to the view.
import { Box, Text } from "ink";
import React from "react";
import { renderSafe } from "../../client/render-safe.ts";
import { type KeyHandler, useShell, useViewKeys } from "../shell-context.ts";

const h = React.createElement;

export interface Segment {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}
export type Line = Segment[];

export const seg = (text: string, style: Omit<Segment, "text"> = {}): Segment => ({ text, ...style });

export function TextPanel(props: { lines: Line[]; onKey?: KeyHandler }) {
  const { height, frame, setUi } = useShell();
  const maxTop = Math.max(0, props.lines.length - height);
  const top = Math.min(Number(frame.ui.scroll ?? 0), maxTop);
  const clamp = (n: number) => Math.max(0, Math.min(maxTop, n));
  // From the newest state, so keys typed faster than a render each count.
  const scroll = (by: number) => setUi((ui) => ({ scroll: clamp(clamp(Number(ui.scroll ?? 0)) + by) }));
  useViewKeys((input, key) => {
    if (key.upArrow || input === "k") scroll(-1);
    else if (key.downArrow || input === "j") scroll(1);
    else if (key.pageUp) scroll(-height);
    else if (key.pageDown) scroll(height);
    else if (key.home) setUi({ scroll: 0 });
    else if (key.end) setUi({ scroll: maxTop });
    else return props.onKey?.(input, key);
    return true;
  });
  return h(
    Box,
    { flexDirection: "column", height },
    ...props.lines.slice(top, top + height).map((line, i) =>
      h(
        Text,
        { key: i, wrap: "truncate" },
        ...line.map((s, j) =>
          h(
            Text,
            { key: j, color: s.color, bold: s.bold, dimColor: s.dim },
            // Every segment made safe here too: a view that forgot cannot drive the terminal.
            renderSafe(s.text, { singleLine: true }) || " ",
          ),
        ),
      ),
    ),
  );
}
