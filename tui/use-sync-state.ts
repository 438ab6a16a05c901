// State whose newest value can be read at once. Keys arrive in bursts (a paste, a terminal
// delivering several in one read, tmux send-keys): ink hands them over one after another before
// React renders again, so each key must see what the previous one did. And values kept while
// they stay the same.
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

/**
 * `value`, or the object returned last time while every field of it is the same: a context value
 * that changes (and re-renders its readers) only when something in it does.
 */
export function useStable<T extends object>(value: T): T {
  const last = useRef(value);
  const before = last.current as Record<string, unknown>;
  const keys = Object.keys(value);
  const same =
    keys.length === Object.keys(before).length &&
    keys.every((k) => Object.is((value as Record<string, unknown>)[k], before[k]));
  if (!same) last.current = value;
  return last.current;
}
