// The fluentd forward receiver for Docker's `--log-driver fluentd` (and fluent-logger clients):
// msgpack over TCP, plus the UDP heartbeat on the same port that out_forward and some loggers
// probe. A message carrying `chunk` is acknowledged only once its records are in the spool, so
// a sender with fluentd-request-ack=true loses nothing when the collector dies.
import type { Socket } from "node:net";
import { encode } from "@msgpack/msgpack";
import type { LogRecord } from "../../../protocol/records.ts";
import type { ListenAddress } from "../../flags.ts";
import type { SourceContext } from "../../sources/source.ts";
import { tcpServerOptions } from "../net/connection-limits.ts";
import { InputReporter } from "../net/input-reporter.ts";
import { TcpServer } from "../net/tcp-server.ts";
import { UdpSocket } from "../net/udp-socket.ts";
import type { Receiver, ReceiverLimits } from "../receiver.ts";
import { readForwardMessage } from "./forward-message.ts";
import { type FrameBatch, MsgpackFrames } from "./frames.ts";
import { FLUENTD_INPUT } from "./metrics.ts";
import { RecentChunks } from "./recent-chunks.ts";
import { fluentdToLogRecord } from "./record.ts";

/** in_forward answers a heartbeat datagram with one NUL byte. */
const HEARTBEAT_REPLY = Buffer.from([0]);

/**
 * The biggest forward message taken (held per connection until whole; also the cap on inflating
 * one). A PackedForward batch of fluentd or Fluent Bit can carry a whole buffer chunk (fluentd's
 * out_forward default chunk_limit_size is 8 MiB), so the floor is 8 MiB.
 */
export function maxMessageBytes(maxLineBytes: number): number {
  return Math.max(8 * 1024 * 1024, 8 * maxLineBytes + 64 * 1024);
}

/** Bytes all connections together may hold for unfinished messages, unless told otherwise. */
export const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;

export interface FluentdLimits extends ReceiverLimits {
  /** --fluentd-max-buffer: the total over all connections; the connection that goes over is closed. */
  maxBufferedBytes?: number;
}

export class FluentdReceiver implements Receiver {
  readonly name = "fluentd";
  addresses: string[] = [];
  readonly #at: ListenAddress;
  readonly #limits: FluentdLimits;
  /** Bytes held for unfinished messages, over all connections. */
  #buffered = 0;
  #ctx: SourceContext | undefined;
  #tcp: TcpServer | undefined;
  #udp: UdpSocket | undefined;
  #bad: InputReporter | undefined;
  readonly #recent = new RecentChunks();
  #seq = 0;

  constructor(at: ListenAddress, limits: FluentdLimits) {
    this.#at = at;
    this.#limits = limits;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#bad = new InputReporter(ctx, "fluentd");
    this.#tcp = new TcpServer(
      (socket) => this.#onConnection(socket),
      (err, socket) => ctx.log.warn({ err, peer: peerOf(socket) }, "fluentd: connection failed"),
      tcpServerOptions(ctx, this.#bad, this.#limits.connections),
    );
    const tcp = await this.#tcp.listen(this.#at);
    const port = Number(new URL(tcp).port);
    const udp = new UdpSocket(this.#at.host, (_msg, from) => udp.send(HEARTBEAT_REPLY, from));
    try {
      this.addresses = [tcp, await udp.bind({ host: this.#at.host, port })];
      this.#udp = udp;
    } catch (err) {
      // The heartbeat is a courtesy; Docker's driver never sends one. TCP carries on without it.
      ctx.log.warn({ err: String(err), port }, "fluentd: UDP heartbeat port unavailable");
      this.addresses = [tcp];
    }
  }

  async stop(): Promise<void> {
    await this.#udp?.close();
    await this.#tcp?.close();
  }

  async #onConnection(socket: Socket): Promise<void> {
    const ctx = this.#ctx as SourceContext;
    const peer = peerOf(socket);
    const maxBytes = maxMessageBytes(this.#limits.maxLineBytes);
    const frames = new MsgpackFrames(maxBytes);
    let held = 0;
    try {
      for await (const data of socket as AsyncIterable<Buffer>) {
        const batch = frames.push(data);
        this.#buffered += frames.heldBytes - held;
        held = frames.heldBytes;
        // Whole messages first: what arrived complete is taken even if the connection goes.
        if (!(await this.#take(socket, batch, data, ctx, peer, maxBytes))) return;
        if (frames.pendingBytes > 0 && this.#buffered > this.#maxBuffered) {
          this.#bad?.report(
            FLUENTD_INPUT.bufferFull,
            `unfinished messages of all connections hold ${this.#buffered} bytes, over --fluentd-max-buffer (${this.#maxBuffered}); closing this connection`,
            { peer, bytes: frames.pendingBytes },
          );
          socket.destroy();
          return;
        }
      }
    } finally {
      this.#buffered -= held;
    }
  }

  get #maxBuffered(): number {
    return this.#limits.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  }

  /** Emits and acks the whole messages of one read; false once the connection is closed. */
  async #take(
    socket: Socket,
    batch: FrameBatch,
    data: Buffer,
    ctx: SourceContext,
    peer: string,
    maxBytes: number,
  ): Promise<boolean> {
    const acks: string[] = [];
    for (const bytes of batch.values) {
      const msg = readForwardMessage(bytes, maxBytes);
      if (msg.chunk !== undefined) acks.push(msg.chunk);
      if (msg.chunk !== undefined && this.#recent.has(msg.chunk)) continue; // a resend: ack again, store once
      if (msg.chunk !== undefined) this.#recent.add(msg.chunk);
      if (!msg.ok) {
        this.#bad?.report(FLUENTD_INPUT.invalidMessage, msg.reason, {
          peer,
          sample: bytes,
          bytes: bytes.length,
        });
        continue;
      }
      if (msg.badEvents > 0)
        this.#bad?.report(
          FLUENTD_INPUT.invalidEvent,
          "events that are not [time, record]",
          { peer, sample: bytes },
          msg.badEvents,
        );
      const records: LogRecord[] = msg.events.map((e) => fluentdToLogRecord(msg.tag, e, ctx, this.#seq++));
      if (records.length > 0) await ctx.emit(records); // awaiting it pauses the socket: backpressure
    }
    // The ack promises the records are durable: only after the spool has them. A malformed
    // message is acked too: resending the same bytes could never succeed.
    if (acks.length > 0) {
      await ctx.spooled();
      for (const chunk of acks) socket.write(encode({ ack: chunk }));
    }
    if (batch.error) {
      this.#bad?.report(FLUENTD_INPUT.invalidFrame, `${batch.error}; closing the connection`, {
        peer,
        bytes: data.length,
      });
      socket.destroy();
      return false;
    }
    return true;
  }
}

function peerOf(socket: Socket): string {
  return `tcp://${socket.remoteAddress}:${socket.remotePort}`;
}
