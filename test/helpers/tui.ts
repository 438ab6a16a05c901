// Renders `fleetscope top`'s app with ink-testing-library against a real aggregator, and types
// into it like a person would.
import { stripVTControlCharacters } from "node:util";
import { render } from "ink-testing-library";
import React from "react";
import { type ApiClient, createApiClient } from "../../client/api-client.ts";
import { App } from "../../tui/app.ts";
import { frame, type ViewContext } from "../../tui/frame.ts";
import type { ViewId } from "../../tui/views/registry.ts";
import { tokenFor } from "./api.ts";
import { waitFor } from "./wait.ts";

/** What terminals send for the keys the TUI knows. */
export const KEYS = {
  up: "\x1b[A",
  down: "\x1b[B",
  enter: "\r",
  esc: "\x1b",
  backspace: "\x7f",
  pageUp: "\x1b[5~",
  pageDown: "\x1b[6~",
  end: "\x1b[F",
  f1: "\x1bOP",
  f2: "\x1bOQ",
  f9: "\x1b[20~",
  f10: "\x1b[21~",
};

/**
 * A client of `url` that looks its token up on every request: a test may draw the TUI before the
 * aggregator (and so its token) exists, as a person may start `top` before the stack.
 */
function tokenOnEachRequest(url: string, counted: { requests: number }): ApiClient {
  const now = () => createApiClient(url, tokenFor(url));
  return {
    url,
    get: (path, params) => {
      counted.requests++;
      return now().get(path, params);
    },
    send: (method, path, body) => now().send(method, path, body),
  };
}

export function renderTop(
  url: string,
  {
    view = "containers",
    ctx = {},
    intervalMs = 300,
    columns = 100,
    rows = 30,
  }: {
    view?: ViewId;
    ctx?: ViewContext;
    intervalMs?: number;
    columns?: number;
    rows?: number;
  } = {},
) {
  let quit = 0;
  const counted = { requests: 0 };
  const app = render(
    React.createElement(App, {
      client: tokenOnEachRequest(url, counted),
      intervalMs,
      initial: frame(view, ctx),
      size: { columns, rows },
      onQuit: () => quit++,
    }),
  );
  const screen = () => stripVTControlCharacters(app.lastFrame() ?? "");
  return {
    ...app,
    screen,
    get quits() {
      return quit;
    },
    /** GET requests made so far (each poll makes at least one). */
    get requests() {
      return counted.requests;
    },
    /** Sends keys one at a time, as typed. */
    press(...keys: string[]) {
      for (const k of keys) app.stdin.write(k);
    },
    /** Waits until the screen satisfies `test` (text it contains, or a predicate); returns it. */
    async until(test: string | RegExp | ((screen: string) => boolean), timeoutMs = 20_000): Promise<string> {
      const ok = (s: string) =>
        typeof test === "string" ? s.includes(test) : test instanceof RegExp ? test.test(s) : test(s);
      return waitFor(
        `the screen to show ${String(test)}`,
        () => {
          const s = screen();
          return ok(s) ? s : undefined;
        },
        { timeoutMs, intervalMs: 20 },
      ).catch((err: Error) => {
        throw new Error(`${err.message.split("; last")[0]}\n--- screen ---\n${screen()}`);
      });
    },
  };
}

/** The rows of the screen's table (lines after the header row) that mention `text`. */
export const linesWith = (screen: string, text: string) => screen.split("\n").filter((l) => l.includes(text));
