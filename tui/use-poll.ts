// Loads a view's data now and again every interval (not while paused), reporting to the shell
// whether the aggregator answers — so an outage shows as "unreachable — retrying" and the view
// fills again by itself when it comes back.
import { useEffect, useReducer, useRef } from "react";
import { Unreachable } from "../client/api-client.ts";
import { useShell } from "./shell-context.ts";

export interface PollOptions<T> {
  /** Shown in the status line when the answer is empty. */
  emptyMessage?: string;
  isEmpty?: (data: T) => boolean;
  /**
   * What the view would draw of an answer, as text (tableShown for a table). A poll whose answer
   * would draw the same as the one on screen does not render: redrawing a whole table costs ink
   * far more than the poll, and most polls of an idle fleet change nothing one can see.
   */
  shownAs?: (data: T) => string;
}

/**
 * `load` runs whenever `key` changes and then every interval; the newest answer is returned
 * (undefined until the first one for this key arrives). With `shownAs`, an answer that would
 * draw what is on screen is kept without a render; the next render (a key, a resize) uses it.
 */
export function usePoll<T>(key: string, load: () => Promise<T>, options: PollOptions<T> = {}): T | undefined {
  const { intervalMs, paused, reportStatus, cache } = useShell();
  // A render when an answer would draw something new; the answer itself is in `newest`.
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const latest = useRef({ load, options });
  latest.current = { load, options };
  const loadedKey = useRef<string | undefined>(undefined);
  const newest = useRef<{ key: string; data: T } | undefined>(undefined);
  const shown = useRef<{ key: string; text: string } | undefined>(undefined);

  useEffect(() => {
    // Paused: keep what is on screen, but still load a view opened while paused.
    if (paused && loadedKey.current === key) return;
    let cancelled = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      try {
        const data = await latest.current.load();
        if (cancelled) return;
        loadedKey.current = key;
        newest.current = { key, data };
        const text = latest.current.options.shownAs?.(data);
        if (text === undefined || shown.current?.key !== key || shown.current.text !== text) {
          shown.current = text === undefined ? undefined : { key, text };
          redraw();
        }
        cache.delete(key); // re-inserted: the Map keeps the most recent last
        cache.set(key, data);
        if (cache.size > 50) cache.delete(cache.keys().next().value as string);
        const { isEmpty, emptyMessage } = latest.current.options;
        reportStatus(
          isEmpty?.(data) ? { kind: "empty", message: emptyMessage ?? "no data yet" } : { kind: "ok" },
        );
      } catch (err) {
        if (cancelled) return;
        const message = (err as Error).message;
        reportStatus(
          err instanceof Unreachable
            ? { kind: "unreachable", message: `(${err.reason}) — retrying every ${intervalMs / 1000}s` }
            : { kind: "error", message },
        );
      }
      if (!cancelled && !paused) timer = setTimeout(tick, intervalMs);
    };
    if (loadedKey.current !== key) reportStatus({ kind: "loading" });
    void tick();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [key, paused, intervalMs, reportStatus, cache]);

  // The newest answer, drawn or not; until one comes for this key, what the view showed before
  // (coming back to a view shows it at once, while it loads again).
  if (newest.current?.key === key) return newest.current.data;
  return cache.get(key) as T | undefined;
}
