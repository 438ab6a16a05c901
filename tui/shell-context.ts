// What the app shell gives every view: the API, the refresh rhythm, the pause switch, the size
// of the body, navigation and a place to report how loading goes.

import type { Key } from "ink";
import { createContext, useContext, useEffect, useRef } from "react";
import type { ApiClient } from "../client/api-client.ts";
import type { Frame, FrameUi, UiPatch, ViewContext } from "./frame.ts";
import type { ViewId } from "./views/registry.ts";

export type Status =
  | { kind: "ok" }
  | { kind: "loading" }
  | { kind: "empty"; message: string }
  | { kind: "unreachable"; message: string }
  | { kind: "error"; message: string };

export type KeyHandler = (input: string, key: Key) => unknown;

/** The key handler of the view showing a frame. */
export interface ViewKeys {
  frameId: number;
  handler: KeyHandler;
}

export interface Shell {
  client: ApiClient;
  intervalMs: number;
  paused: boolean;
  setPaused(paused: boolean): void;
  /** Rows and columns the view may draw in (between header and footer). */
  width: number;
  height: number;
  frame: Frame;
  /** Opens a view on top of this one (Enter, action keys). */
  push(view: ViewId, ctx: ViewContext): void;
  /** Updates this frame's UI state (kept when coming back to it). */
  setUi(patch: UiPatch): void;
  /** This frame's UI state as of the last key, which may not be rendered yet. */
  latestUi(): FrameUi;
  reportStatus(status: Status): void;
  /** The last answer of each poll (by its key), shown again at once when a view comes back. */
  cache: Map<string, unknown>;
  /** The view's own keys; the shell passes on what it does not handle itself. */
  viewKeys: { current: ViewKeys | undefined };
  /** A view calls this once its keys are registered, to receive keys typed before. */
  viewReady(): void;
}

export const ShellContext = createContext<Shell | undefined>(undefined);

export function useShell(): Shell {
  const shell = useContext(ShellContext);
  if (!shell) throw new Error("a view must be rendered inside the app shell");
  return shell;
}

/** Registers the view's key handler (return true when the key was used). */
export function useViewKeys(handler: KeyHandler): void {
  const { viewKeys, viewReady, frame } = useShell();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const mine: ViewKeys = { frameId: frame.id, handler: (input, key) => latest.current(input, key) };
    viewKeys.current = mine;
    viewReady();
    return () => {
      if (viewKeys.current === mine) viewKeys.current = undefined;
    };
  }, [viewKeys, viewReady, frame.id]);
}
