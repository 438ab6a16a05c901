// State whose newest value can be read at once. Keys arrive in bursts (a paste, a terminal
// delivering several in one read, tmux send-keys): ink hands them over one after another before
// React renders again, so each key must see what the previous one did.
import { type RefObject, useCallback, useRef, useState } from "react";

export function useSyncState<T>(initial: T): [T, RefObject<T>, (next: T | ((prev: T) => T)) => void] {
  const [value, setValue] = useState(initial);
  const ref = useRef(initial);
  const set = useCallback((next: T | ((prev: T) => T)) => {
    ref.current = typeof next === "function" ? (next as (prev: T) => T)(ref.current) : next;
    setValue(ref.current);
  }, []);
  return [value, ref, set];
}
