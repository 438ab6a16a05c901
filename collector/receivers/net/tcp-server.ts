// A TCP listener for receivers: one async handler per connection, every open connection tracked
// so that close() stops accepting, ends the peers and waits until each handler has returned
// (i.e. everything read so far was handed on). Bounded: a cap on connections at once and an idle
// timeout (connection-limits.ts); a failed accept() (no descriptor left) is counted, never thrown.
import { createServer, type Server, type Socket } from "node:net";
import type { ListenAddress } from "../../flags.ts";
import type { InputIssue } from "../../input-issues.ts";
import { CONNECTION_INPUT, type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from "./connection-limits.ts";

export interface TcpServerOptions {
  limits?: ConnectionLimits;
  /** Hears each connection closed or turned away at a limit. */
  onLimit?: (issue: InputIssue, detail: string) => void;
  /**
   * True while the pipeline cannot take records (spool disk full): a connection paused by that
   * backpressure is silent through no fault of its own and is not closed as idle.
   */
  busy?: () => boolean;
}

export type ConnectionHandler = (socket: Socket) => Promise<void>;

/** A peer that resets or vanishes mid-stream is routine (Docker does it on every retry): not an error. */
export function isPeerGone(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ERR_STREAM_PREMATURE_CLOSE";
}

export class TcpServer {
  readonly #server: Server;
  readonly #open = new Map<Socket, Promise<void>>();
  #closing = false;
  readonly #o: TcpServerOptions;

  /** `onError` hears a handler's failure (not a peer's reset); the connection is destroyed, the listener stays up. */
  constructor(
    handler: ConnectionHandler,
    onError: (err: unknown, socket: Socket) => void,
    options: TcpServerOptions = {},
  ) {
    this.#o = options;
    const limits = options.limits ?? DEFAULT_CONNECTION_LIMITS;
    this.#server = createServer((socket) => {
      if (this.#closing) return void socket.destroy();
      // A reset or a write after the peer left must not become an uncaught 'error': the handler's
      // read loop sees the failure through the stream anyway.
      socket.on("error", () => undefined);
      if (this.#open.size >= limits.maxConnections) {
        options.onLimit?.(CONNECTION_INPUT.tooMany, `${limits.maxConnections} connections already open`);
        return void socket.destroy();
      }
      this.#closeWhenIdle(socket, limits.idleTimeoutMs);
      const done = handler(socket)
        .catch((err) => {
          if (!isPeerGone(err)) onError(err, socket);
          socket.destroy();
        })
        .finally(() => this.#open.delete(socket));
      this.#open.set(socket, done);
    });
    // accept() failing (EMFILE/ENFILE: no descriptor left) is emitted on the server; unheard, it
    // would crash the collector. libuv keeps accepting once descriptors are free again.
    this.#server.on("error", (err) => {
      if (this.#server.listening) options.onLimit?.(CONNECTION_INPUT.acceptFailed, String(err));
    });
  }

  #closeWhenIdle(socket: Socket, idleMs: number): void {
    socket.setTimeout(idleMs, () => {
      // Paused by us, not idle: wait another round (a fired timeout does not re-arm by itself).
      if (this.#o.busy?.()) return void socket.setTimeout(idleMs);
      this.#o.onLimit?.(CONNECTION_INPUT.idle, `silent for ${idleMs} ms`);
      socket.destroy();
    });
  }

  /** Binds; resolves with `tcp://host:port` (the real port when 0 was asked for). */
  listen(at: ListenAddress): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(at.port, at.host, () => {
        this.#server.off("error", reject);
        const a = this.#server.address();
        resolve(typeof a === "object" && a ? `tcp://${at.host}:${a.port}` : `tcp://${at.host}:${at.port}`);
      });
    });
  }

  get connections(): number {
    return this.#open.size;
  }

  /**
   * Stops accepting, half-closes every connection (a handler reading with `for await` sees the
   * end of its stream once the peer's last bytes are read) and waits for the handlers, up to
   * `graceMs`; then destroys what is left.
   */
  async close(graceMs = 2000): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#open.keys()) socket.end();
    const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(this.#open.values()), timer]);
    for (const socket of this.#open.keys()) socket.destroy();
    await Promise.all(this.#open.values());
    await closed;
  }
}
