// A bound UDP socket for receivers, with the same listen/close shape as TcpServer.
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import type { ListenAddress } from "../../flags.ts";

export type DatagramHandler = (msg: Buffer, from: RemoteInfo) => void;

export class UdpSocket {
  readonly #socket: Socket;
  #closed = false;

  constructor(host: string, handler: DatagramHandler) {
    this.#socket = createSocket({ type: isIPv6(host) ? "udp6" : "udp4", reuseAddr: false });
    this.#socket.on("message", handler);
  }

  /** Binds; resolves with `udp://host:port`. `recvBufferBytes` asks the kernel for a larger queue. */
  bind(at: ListenAddress, recvBufferBytes?: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#socket.once("error", reject);
      this.#socket.bind(at.port, at.host, () => {
        this.#socket.off("error", reject);
        // Errors after binding (ICMP unreachable on a reply …) must not crash the collector.
        this.#socket.on("error", () => undefined);
        if (recvBufferBytes) {
          try {
            this.#socket.setRecvBufferSize(recvBufferBytes);
          } catch {
            // capped by net.core.rmem_max: the default queue still works
          }
        }
        resolve(`udp://${at.host}:${this.#socket.address().port}`);
      });
    });
  }

  /** The bound port (the real one when 0 was asked for). */
  get port(): number {
    return this.#socket.address().port;
  }

  /** Replies to a peer (fluentd's UDP heartbeat). Errors are ignored: the peer may be gone. */
  send(msg: Buffer, to: RemoteInfo): void {
    this.#socket.send(msg, to.port, to.address, () => undefined);
  }

  /** Closes once; again (a receiver stopped after its start failed) is a no-op, not a throw. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve(); // never bound: nothing to close
      }
    });
  }
}
