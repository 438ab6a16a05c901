// Loads a view's data now and again every interval (not while paused), reporting to the shell
// whether the aggregator answers — so an outage shows as "unreachable — retrying" and the view
// fills again by itself when it comes back.
import { useEffect, useRef, useState } from "react";
import { Unreachable } from "../client/api-client.ts";
import { useShell } from "./shell-context.ts";

export interface PollOptions<T> {
  /** Shown in the status line when the answer is empty. */
  emptyMessage?: string;
  isEmpty?: (data: T) => boolean;
}

/**
 * `load` runs whenever `key` changes and then every interval; the newest answer is returned
 * (undefined until the first one for this key arrives).
 */
export function usePoll<T>(key: string, load: () => Promise<T>, options: PollOptions<T> = {}): T | undefined {
  const { intervalMs, paused, reportStatus, cache } = useShell();
  // Coming back to a view shows what it showed before at once, while it loads again.
  const [state, setState] = useState<{ key: string; data: T } | undefined>(() =>
    cache.has(key) ? { key, data: cache.get(key) as T } : undefined,
  );
  const latest = useRef({ load, options });
  latest.current = { load, options };
  const loadedKey = useRef<string | undefined>(undefined);

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
        setState({ key, data });
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

  if (state?.key === key) return state.data;
  return cache.get(key) as T | undefined;
}
