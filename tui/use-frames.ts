// The frame stack behind Enter and Backspace/Esc: the newest state readable at once (keys come in
// bursts), a frame pushed per drill-down, the top one's UI state patched in place.
import { useCallback } from "react";
import { type Frame, type FrameUi, frame, type UiPatch, type ViewContext } from "./frame.ts";
import { useSyncState } from "./use-sync-state.ts";
import type { ViewId } from "./views/registry.ts";

const last = (stack: Frame[]) => stack[stack.length - 1] as Frame;

export function useFrames(initial: Frame) {
  const [stack, stackNow, setStack] = useSyncState<Frame[]>([initial]);
  const push = useCallback(
    (id: ViewId, ctx: ViewContext) => setStack((s) => [...s, frame(id, ctx)]),
    [setStack],
  );
  // A function patch sees the newest state: keys typed faster than a render each count.
  const setUi = useCallback(
    (patch: UiPatch) =>
      setStack((s) => {
        const top = last(s);
        const next = typeof patch === "function" ? patch(top.ui) : patch;
        return [...s.slice(0, -1), { ...top, ui: { ...top.ui, ...next } }];
      }),
    [setStack],
  );
  const latestUi = useCallback((): FrameUi => last(stackNow.current).ui, [stackNow]);
  return {
    stack,
    top: last(stack),
    /** The frame on top as of the last key, rendered or not. */
    topNow: () => last(stackNow.current),
    push,
    back: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    /** A view picked from the picker takes the place of the one on top: picking does not stack. */
    replaceTop: (id: ViewId) => setStack((s) => [...s.slice(0, -1), frame(id, last(s).ctx)]),
    setUi,
    latestUi,
  };
}
