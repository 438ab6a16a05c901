// A terminal for tests and benches: a detached tmux session on its own server socket, typed into
// with send-keys and read with capture-pane.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { promisify } from "node:util";
import { waitFor } from "./wait.ts";

const run = promisify(execFile);

export class Tmux {
  readonly socket = `fleetscope-test-${randomBytes(4).toString("hex")}`;
  readonly session = "t";

  tmux(...args: string[]): Promise<string> {
    return run("tmux", ["-L", this.socket, ...args]).then((r) => r.stdout);
  }

  /** Starts `command` (default a shell with a plain prompt) in a detached session of that size. */
  async start(columns = 120, rows = 40, command: string[] = ["sh"]): Promise<void> {
    await this.tmux(
      "new-session",
      "-d",
      "-s",
      this.session,
      "-x",
      String(columns),
      "-y",
      String(rows),
      "env",
      "PS1=$ ",
      "TERM=xterm-256color",
      ...command,
    );
  }

  /** Types text literally. */
  type(text: string): Promise<string> {
    return this.tmux("send-keys", "-t", this.session, "-l", text);
  }

  /**
   * Text and named keys in one send-keys (`send("/web-1", "Enter")`): the program reads them in
   * one chunk, as it would a paste.
   */
  send(...keys: string[]): Promise<string> {
    return this.tmux("send-keys", "-t", this.session, ...keys);
  }

  /** Resizes the terminal (the program gets SIGWINCH). */
  resize(columns: number, rows: number): Promise<string> {
    return this.tmux("resize-window", "-t", this.session, "-x", String(columns), "-y", String(rows));
  }

  /** Presses named keys (Enter, Escape, BSpace, Down, F2 …), one send-keys each. */
  async press(...keys: string[]): Promise<void> {
    for (const k of keys) await this.tmux("send-keys", "-t", this.session, k);
  }

  /** What the terminal shows; `styled`: with its colours and attributes as escape sequences. */
  screen(styled = false): Promise<string> {
    return this.tmux("capture-pane", "-p", ...(styled ? ["-e"] : []), "-t", this.session);
  }

  async until(test: string | RegExp, timeoutMs = 30_000): Promise<string> {
    return waitFor(
      `the terminal to show ${String(test)}`,
      async () => {
        const s = await this.screen();
        return (typeof test === "string" ? s.includes(test) : test.test(s)) ? s : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    ).catch(async (err: Error) => {
      throw new Error(`${err.message.split("; last")[0]}\n--- terminal ---\n${await this.screen()}`);
    });
  }

  /** The pid of the program in the pane. */
  async panePid(): Promise<number> {
    return Number((await this.tmux("display-message", "-p", "-t", this.session, "#{pane_pid}")).trim());
  }

  /** Ends the server and removes its socket file, which tmux (3.3) leaves behind. */
  async kill(): Promise<void> {
    const path = await this.tmux("display-message", "-p", "#{socket_path}").catch(() => "");
    await this.tmux("kill-server").catch(() => undefined);
    if (path.trim()) await rm(path.trim(), { force: true });
  }
}
