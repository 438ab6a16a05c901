// Starts the TUI on this terminal, htop-style: the alternate screen (restored on quit), only
// changed lines redrawn, and the process exits 0 when the person quits.
import { render } from "ink";
import React from "react";
import type { ApiClient } from "../client/api-client.ts";
import { App } from "./app.ts";
import { frame } from "./frame.ts";
import { viewById } from "./views/registry.ts";

export interface TopOptions {
  /** The API, with its token (cli/api.ts finds it: --token-file, FLEETSCOPE_TOKEN, <data>/admin.token). */
  client: ApiClient;
  host?: string;
  container?: string;
  view: string;
  intervalMs: number;
}

export async function runTop(o: TopOptions): Promise<void> {
  const view = viewById(o.view).id; // an unknown --view fails before the screen is taken
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new Error(
      "fleetscope top needs a terminal (for scripts: fleetscope logs, fleetscope why, the API)",
    );
  // Keys typed from here on must reach the app, not be echoed by the terminal: ink turns echo
  // off only once its first frame is on screen, and a key echoed in between (a filter and its
  // Enter typed right away) is drawn over the frame and scrolls it, leaving every later redraw
  // one row off. Ink puts the terminal back when it exits.
  process.stdin.setRawMode(true);
  const app = render(
    React.createElement(App, {
      client: o.client,
      intervalMs: o.intervalMs,
      initial: frame(view, { host: o.host, container: o.container, containerName: o.container }),
    }),
    { alternateScreen: true, incrementalRendering: true, exitOnCtrlC: true },
  );
  await app.waitUntilExit();
}
