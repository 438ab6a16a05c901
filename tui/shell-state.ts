// The app shell's state besides the frames: how talking to the aggregator goes, and the route of
// keys to the view on top (keys typed before that view has rendered wait for it).
import type { Key } from "ink";
import { useCallback, useRef, useState } from "react";
import type { Frame } from "./frame.ts";
import type { Status, ViewKeys } from "./shell-context.ts";

/** The status line's state, and whether the aggregator answered the last request. */
export function useLinkStatus() {
  const [status, setStatus] = useState<Status>({ kind: "loading" });
  // undefined: no request has come back yet.
  const [reachable, setReachable] = useState<boolean | undefined>(undefined);
  const reportStatus = useCallback((next: Status) => {
    setStatus((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
    if (next.kind !== "loading") setReachable(next.kind !== "unreachable");
  }, []);
  return { status, reachable, reportStatus };
}

/** Where the view on top registers its key handler, and how the shell hands it keys. */
export function useViewKeyRoute(topNow: () => Frame) {
  const viewKeys = useRef<ViewKeys | undefined>(undefined);
  // Keys for a view that has not rendered yet (typed right after Enter) wait for it.
  const pending = useRef<[string, Key][]>([]);
  const toView = (input: string, key: Key) => {
    const target = viewKeys.current;
    if (target?.frameId === topNow().id) target.handler(input, key);
    else pending.current.push([input, key]);
  };
  const viewReady = useCallback(() => {
    for (const [input, key] of pending.current.splice(0)) viewKeys.current?.handler(input, key);
  }, []);
  return { viewKeys, toView, viewReady };
}
