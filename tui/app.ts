// The app shell: header with the breadcrumb, the current view, a status line and the footer;
// the keys every view shares; the frame stack behind Enter and Backspace/Esc.
import { Box, type Key, useApp, useInput, useWindowSize } from "ink";
import React, { useCallback, useMemo, useRef, useState } from "react";
import type { ApiClient } from "./api-client.ts";
import { Footer } from "./components/footer.ts";
import { Header } from "./components/header.ts";
import { Help } from "./components/help.ts";
import { StatusLine } from "./components/status-line.ts";
import { ViewPicker } from "./components/view-picker.ts";
import { type Frame, frame, type UiPatch, type ViewContext } from "./frame.ts";
import { FOOTER_KEYS } from "./global-keys.ts";
import { type Shell, ShellContext, type Status, type ViewKeys } from "./shell-context.ts";
import { type FunctionKey, useFunctionKeys } from "./use-function-keys.ts";
import { useSyncState } from "./use-sync-state.ts";
import { VIEWS, viewById } from "./views/registry.ts";
import type { ViewPlugin } from "./views/view.ts";

const h = React.createElement;

export interface AppProps {
  client: ApiClient;
  intervalMs: number;
  initial: Frame;
  /** Fixed size (tests); default the terminal's. */
  size?: { columns: number; rows: number };
  /** Called when the person quits (before the app unmounts). */
  onQuit?: () => void;
}

/** The filter prompt applies its draft as it is typed; Esc puts back the filter it started from. */
type Modal =
  | { kind: "help" }
  | { kind: "picker"; selected: number }
  | { kind: "filter"; draft: string; before?: string };

const NO_KEY = {} as Key;

/**
 * A chunk of several characters (a paste, tmux send-keys, keys typed faster than read) as the
 * keys it holds: ink hands it over whole, so an Enter inside it would otherwise be typed as text.
 */
export function splitChunk(input: string, key: Key): [string, Key][] {
  if ([...input].length <= 1 || key.ctrl || key.meta) return [[input, key]];
  return [...input].map((ch): [string, Key] =>
    ch === "\r" || ch === "\n"
      ? ["", { ...NO_KEY, return: true }]
      : ch === "\t"
        ? ["", { ...NO_KEY, tab: true }]
        : [ch, { ...key, shift: /[A-Z]/.test(ch) }],
  );
}

export function App(props: AppProps) {
  const app = useApp();
  const exit = () => {
    props.onQuit?.();
    app.exit();
  };
  const terminal = useWindowSize();
  const { columns: width, rows } = props.size ?? terminal;
  const [stack, stackNow, setStack] = useSyncState<Frame[]>([props.initial]);
  const [modal, modalNow, setModal] = useSyncState<Modal | undefined>(undefined);
  const [paused, , setPaused] = useSyncState(false);
  const [status, setStatus] = useState<Status>({ kind: "loading" });
  // Whether the aggregator answered the last request (undefined: none has come back yet).
  const [reachable, setReachable] = useState<boolean | undefined>(undefined);
  const viewKeys = useRef<ViewKeys | undefined>(undefined);
  const cache = useMemo(() => new Map<string, unknown>(), []);
  // Keys for a view that has not rendered yet (typed right after Enter) wait for it.
  const pendingKeys = useRef<[string, Key][]>([]);
  const top = stack[stack.length - 1] as Frame;
  const topNow = () => stackNow.current[stackNow.current.length - 1] as Frame;
  const view = viewById(top.view);
  const bodyHeight = Math.max(3, rows - 4);
  const pickableFor = (f: Frame) => VIEWS.filter((v) => !v.needsContainer || f.ctx.container);
  const pickable = pickableFor(top);

  const push = useCallback(
    (id: string, ctx: ViewContext) => setStack((s) => [...s, frame(id, ctx)]),
    [setStack],
  );
  const back = () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s));
  // A function patch sees the newest state: keys typed faster than a render each count.
  const setUi = useCallback(
    (patch: UiPatch) =>
      setStack((s) => {
        const last = s[s.length - 1] as Frame;
        const next = typeof patch === "function" ? patch(last.ui) : patch;
        return [...s.slice(0, -1), { ...last, ui: { ...last.ui, ...next } }];
      }),
    [setStack],
  );
  const latestUi = useCallback(() => (stackNow.current[stackNow.current.length - 1] as Frame).ui, [stackNow]);
  const toView = (input: string, key: Key) => {
    const target = viewKeys.current;
    if (target?.frameId === topNow().id) target.handler(input, key);
    else pendingKeys.current.push([input, key]);
  };
  const viewReady = useCallback(() => {
    const keys = pendingKeys.current.splice(0);
    for (const [input, key] of keys) viewKeys.current?.handler(input, key);
  }, []);
  const reportStatus = useCallback((next: Status) => {
    setStatus((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
    if (next.kind !== "loading") setReachable(next.kind !== "unreachable");
  }, []);

  // A view picked from the picker takes the place of the one on top: picking does not stack.
  const pick = (v: ViewPlugin | undefined) => {
    setModal(undefined);
    const current = topNow();
    if (v && v.id !== current.view) setStack((s) => [...s.slice(0, -1), frame(v.id, current.ctx)]);
  };
  const setDraft = (m: Modal & { kind: "filter" }, draft: string) => {
    setModal({ ...m, draft });
    setUi({ filter: draft.trim() || undefined, selectedKey: undefined });
  };

  const onModalKey = (m: Modal, input: string, key: Key) => {
    if (m.kind === "help") return setModal(undefined);
    if (m.kind === "picker") {
      const pickable = pickableFor(topNow());
      if (key.escape || input === "q") return setModal(undefined);
      if (key.upArrow || key.downArrow) {
        const n = pickable.length;
        return setModal({ kind: "picker", selected: (m.selected + (key.upArrow ? n - 1 : 1)) % n });
      }
      if (key.return) return pick(pickable[m.selected]);
      if (/^[1-9]$/.test(input)) return pick(pickable[Number(input) - 1]);
      return;
    }
    if (key.escape) {
      setUi({ filter: m.before, selectedKey: undefined });
      return setModal(undefined);
    }
    if (key.return) return setModal(undefined); // the draft is applied already
    if (key.backspace || key.delete) return setDraft(m, [...m.draft].slice(0, -1).join(""));
    if (input && !key.ctrl && !key.meta && !key.tab) setDraft(m, m.draft + input);
  };

  const onKey = (input: string, key: Key): unknown => {
    const keys = splitChunk(input, key);
    if (keys.length > 1) {
      for (const [i, k] of keys) onKey(i, k);
      return;
    }
    const modal = modalNow.current;
    const top = topNow();
    if (modal) return onModalKey(modal, input, key);
    if (input === "q") return exit();
    if (input === "?") return setModal({ kind: "help" });
    if (input === ":") return setModal({ kind: "picker", selected: 0 });
    if (input === "/") return setModal({ kind: "filter", draft: top.ui.filter ?? "", before: top.ui.filter });
    if (input === "p") return setPaused((p) => !p);
    if (key.escape) return top.ui.filter ? setUi({ filter: undefined }) : back();
    if (key.backspace) return back();
    toView(input, key);
  };
  useInput(onKey);
  useFunctionKeys((f: FunctionKey) => {
    const modal = modalNow.current;
    if (f === "f10") return exit();
    if (modal?.kind === "filter") return;
    if (f === "f1") return setModal(modal?.kind === "help" ? undefined : { kind: "help" });
    if (f === "f2") return setModal(modal?.kind === "picker" ? undefined : { kind: "picker", selected: 0 });
    if (f === "f9" && !modal) toView(">", NO_KEY);
  });

  const shell: Shell = useMemo(
    () => ({
      client: props.client,
      intervalMs: props.intervalMs,
      paused,
      setPaused,
      width,
      height: bodyHeight,
      frame: top,
      push,
      setUi,
      latestUi,
      reportStatus,
      cache,
      viewKeys,
      viewReady,
    }),
    [
      latestUi,
      props.client,
      props.intervalMs,
      paused,
      setPaused,
      width,
      bodyHeight,
      top,
      push,
      setUi,
      reportStatus,
      viewReady,
      cache,
    ],
  );
  // The view stays mounted under the help and the picker, so its data and scroll position survive.
  const overlay =
    modal?.kind === "help"
      ? h(Help, { view, height: bodyHeight })
      : modal?.kind === "picker"
        ? h(ViewPicker, { views: pickable, selected: modal.selected, height: bodyHeight })
        : undefined;
  const body = [
    h(
      Box,
      { key: `${stack.length}:${top.view}`, display: overlay ? "none" : "flex", flexDirection: "column" },
      h(view.Component),
    ),
    overlay,
  ];
  return h(
    ShellContext.Provider,
    { value: shell },
    h(
      Box,
      { flexDirection: "column", width, height: rows },
      h(Header, {
        url: props.client.url,
        crumbs: stack.map((f) => viewById(f.view).crumb(f.ctx)),
        paused,
        reachable,
        width,
        filter: top.ui.filter,
      }),
      h(Box, { height: bodyHeight, flexDirection: "column", overflow: "hidden" }, ...body),
      h(StatusLine, { status, editing: modal?.kind === "filter" ? modal.draft : undefined }),
      h(Footer, { keys: [...(view.footer ?? []), ...FOOTER_KEYS], width }),
    ),
  );
}
