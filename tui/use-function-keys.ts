// Ink hands F-keys to useInput as empty input with no flag set, so F1/F2/F9/F10 are read from
// the raw sequences on ink's input channel (exposed at runtime by useStdin, not in its types).
import type { EventEmitter } from "node:events";
import { useStdin } from "ink";
import { useEffect, useRef } from "react";

export type FunctionKey = "f1" | "f2" | "f9" | "f10";

// xterm/tmux (SS3 and CSI ~), vt220, linux console.
const SEQUENCES: Record<string, FunctionKey> = {
  "\x1bOP": "f1",
  "\x1b[11~": "f1",
  "\x1b[[A": "f1",
  "\x1bOQ": "f2",
  "\x1b[12~": "f2",
  "\x1b[[B": "f2",
  "\x1b[20~": "f9",
  "\x1b[21~": "f10",
};

export function useFunctionKeys(handler: (key: FunctionKey) => void): void {
  const stdin = useStdin() as ReturnType<typeof useStdin> & { internal_eventEmitter?: EventEmitter };
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const emitter = stdin.internal_eventEmitter;
    const onInput = (data: string) => {
      const name = SEQUENCES[data];
      if (name) latest.current(name);
    };
    emitter?.on("input", onInput);
    return () => void emitter?.off("input", onInput);
  }, [stdin]);
}
