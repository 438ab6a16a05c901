// The app shell: header with the breadcrumb, the current view, a status line and the footer;
// the keys every view shares (global-keys.ts); the frame stack behind Enter and Backspace/Esc.
import { Box, type Key, useApp, useInput, useWindowSize } from "ink";
import React, { type RefObject, useMemo } from "react";
import type { ApiClient } from "../client/api-client.ts";
import { Footer } from "./components/footer.ts";
import { Header } from "./components/header.ts";
import { Help } from "./components/help.ts";
import { StatusLine } from "./components/status-line.ts";
import { ViewPicker } from "./components/view-picker.ts";
import type { Frame } from "./frame.ts";
import { GLOBAL_KEYS, type ShellControls } from "./global-keys.ts";
import { footerEntries, type KeyPress, runKey } from "./keys.ts";
import { type Modal, type ModalControls, onModalKey } from "./modal.ts";
import { type Shell, ShellContext, type Status } from "./shell-context.ts";
import { useLinkStatus, useViewKeyRoute } from "./shell-state.ts";
import { useFrames } from "./use-frames.ts";
import { useFunctionKeys } from "./use-function-keys.ts";
import { useStable, useSyncState } from "./use-sync-state.ts";
import { type RegisteredView, VIEWS, viewById } from "./views/registry.ts";

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

/** The views the picker offers: drill-down views only where there is a container. */
const pickableFor = (f: Frame) => VIEWS.filter((v) => !v.needsContainer || f.ctx.container);

interface ShellKeyDeps {
  frames: ReturnType<typeof useFrames>;
  modalNow: RefObject<Modal | undefined>;
  setModal: (m: Modal | undefined) => void;
  setPaused: (next: (paused: boolean) => boolean) => void;
  toView: (input: string, key: Key) => void;
  quit: () => void;
}

/**
 * Every key, typed or F-key, in order: an open filter prompt takes typed keys (F10 still quits),
 * the help and the picker take typed keys (F-keys still switch between them), then the shell's
 * keys, and what is left goes to the view.
 */
function useShellKeys({ frames, modalNow, setModal, setPaused, toView, quit }: ShellKeyDeps): void {
  const modalControls: ModalControls = {
    setModal,
    pickable: () => pickableFor(frames.topNow()),
    pick: (v: RegisteredView | undefined) => {
      setModal(undefined);
      if (v && v.id !== frames.topNow().view) frames.replaceTop(v.id);
    },
    setFilter: (filter) => frames.setUi({ filter, selectedKey: undefined }),
  };
  const controls = (modal: Modal | undefined): ShellControls => ({
    overlay: modal !== undefined,
    top: frames.topNow(),
    quit,
    back: frames.back,
    clearFilter: () => frames.setUi({ filter: undefined }),
    openFilter: () => {
      const { filter } = frames.topNow().ui;
      setModal({ kind: "filter", draft: filter ?? "", before: filter });
    },
    togglePause: () => setPaused((p) => !p),
    toggle: (kind) =>
      setModal(modal?.kind === kind ? undefined : kind === "help" ? { kind } : { kind, selected: 0 }),
    toView,
  });
  const onPress = (p: KeyPress) => {
    const modal = modalNow.current;
    if (modal?.kind === "filter" && p.fn !== "f10")
      return p.fn ? undefined : onModalKey(modal, p, modalControls);
    if (modal && !p.fn) return onModalKey(modal, p, modalControls);
    if (!runKey(GLOBAL_KEYS, p, controls(modal)) && !modal && !p.fn) toView(p.input, p.key);
  };
  useInput((input, key) => {
    for (const [i, k] of splitChunk(input, key)) onPress({ input: i, key: k });
  });
  useFunctionKeys((fn) => onPress({ input: "", key: NO_KEY, fn }));
}

/** The view, kept mounted under the help and the picker so its data and scroll position survive. */
function body(stack: Frame[], view: RegisteredView, modal: Modal | undefined, height: number) {
  const top = stack[stack.length - 1] as Frame;
  const overlay =
    modal?.kind === "help"
      ? h(Help, { view, height })
      : modal?.kind === "picker"
        ? h(ViewPicker, { views: pickableFor(top), selected: modal.selected, height })
        : undefined;
  return [
    h(
      Box,
      { key: `${stack.length}:${top.view}`, display: overlay ? "none" : "flex", flexDirection: "column" },
      h(view.Component),
    ),
    overlay,
  ];
}

/** Header and breadcrumb, the body, the status line (or the filter being typed) and the footer. */
function screen(
  shell: Shell,
  url: string,
  stack: Frame[],
  modal: Modal | undefined,
  link: { status: Status; reachable: boolean | undefined },
  rows: number,
) {
  const { frame: top, width, height } = shell;
  const view = viewById(top.view);
  return h(
    Box,
    { flexDirection: "column", width, height: rows },
    h(Header, {
      url,
      crumbs: stack.map((f) => viewById(f.view).crumb(f.ctx)),
      paused: shell.paused,
      reachable: link.reachable,
      width,
      filter: top.ui.filter,
    }),
    h(Box, { height, flexDirection: "column", overflow: "hidden" }, ...body(stack, view, modal, height)),
    h(StatusLine, { status: link.status, editing: modal?.kind === "filter" ? modal.draft : undefined }),
    h(Footer, { keys: [...footerEntries(view.keys), ...footerEntries(GLOBAL_KEYS)], width }),
  );
}

export function App(props: AppProps) {
  const app = useApp();
  const quit = () => {
    props.onQuit?.();
    app.exit();
  };
  const terminal = useWindowSize();
  const { columns: width, rows } = props.size ?? terminal;
  const bodyHeight = Math.max(3, rows - 4);
  const frames = useFrames(props.initial);
  const [modal, modalNow, setModal] = useSyncState<Modal | undefined>(undefined);
  const [paused, , setPaused] = useSyncState(false);
  const { status, reachable, reportStatus } = useLinkStatus();
  const { viewKeys, toView, viewReady } = useViewKeyRoute(frames.topNow);
  const cache = useMemo(() => new Map<string, unknown>(), []);
  useShellKeys({ frames, modalNow, setModal, setPaused, toView, quit });
  const { stack, top, push, setUi, latestUi } = frames;

  const shell: Shell = useStable({
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
  });
  const link = { status, reachable };
  return h(
    ShellContext.Provider,
    { value: shell },
    screen(shell, props.client.url, stack, modal, link, rows),
  );
}
