// Receives Docker's `--log-driver syslog` (and any RFC 3164/5424 sender) on UDP and TCP at the
// same address; with a certificate, TCP is TLS (Docker's `tcp+tls://`). No cursor: a network
// receiver has nothing to resume from.
import { readFile } from "node:fs/promises";
import type { Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import type { ListenAddress } from "../../flags.ts";
import type { SourceContext } from "../../sources/source.ts";
import { tcpServerOptions } from "../net/connection-limits.ts";
import { InputReporter } from "../net/input-reporter.ts";
import { TcpServer } from "../net/tcp-server.ts";
import { UdpSocket } from "../net/udp-socket.ts";
import type { Receiver, ReceiverLimits } from "../receiver.ts";
import { ContainerTags } from "./container-tag.ts";
import { datagramFrame, type Frame, SyslogFramer } from "./framer.ts";
import { SyslogIngest } from "./ingest.ts";
import { SYSLOG_INPUT } from "./metrics.ts";

export interface SyslogReceiverOptions extends ReceiverLimits {
  listen: ListenAddress;
  /** PEM files; when given, TCP is TLS. */
  tls?: { cert: string; key: string };
  /** How long a container's first lines may wait for the inventory to know it (default 1 s). */
  identityWaitMs?: number;
}

/** Room for the header (PRI, timestamp, host, tag, structured data) on top of the line limit. */
const HEADER_BYTES = 8 * 1024;
/** UDP cannot be slowed down: beyond this many queued batches datagrams are dropped (and counted). */
const MAX_QUEUED_UDP = 10_000;

export class SyslogReceiver implements Receiver {
  readonly name = "syslog";
  addresses: string[] = [];
  readonly #o: SyslogReceiverOptions;
  #udp: UdpSocket | undefined;
  #tcp: TcpServer | undefined;
  #tags: ContainerTags | undefined;
  #ingest: SyslogIngest | undefined;
  /** Datagrams of this event-loop turn, per peer. */
  #udpBatch = new Map<string, Frame[]>();
  #udpDropped = 0;

  constructor(options: SyslogReceiverOptions) {
    this.#o = options;
  }

  get #maxFrame(): number {
    return this.#o.maxLineBytes + HEADER_BYTES;
  }

  async start(ctx: SourceContext): Promise<void> {
    const secure = await this.#secureContext();
    const malformed = new InputReporter(ctx, "syslog");
    this.#tags = new ContainerTags(ctx.inventory);
    const ingest = new SyslogIngest(ctx, this.#tags, malformed, {
      maxLineBytes: this.#o.maxLineBytes,
      identityWaitMs: this.#o.identityWaitMs ?? 1000,
      maxQueued: 100,
    });
    this.#ingest = ingest;
    this.#udp = new UdpSocket(this.#o.listen.host, (msg, from) =>
      this.#onDatagram(msg, `${from.address}:${from.port}`, ctx),
    );
    this.#tcp = new TcpServer(
      (socket) => this.#onConnection(socket, secure, ingest, malformed),
      (err, socket) => ctx.log.warn({ err: String(err), peer: peerOf(socket) }, "syslog: connection failed"),
      tcpServerOptions(ctx, malformed, this.#o.connections),
    );
    const tcp = await this.#tcp.listen(this.#o.listen);
    const udp = await this.#udp.bind(this.#o.listen, 4 * 1024 * 1024).catch(async (err) => {
      await this.#tcp?.close();
      throw err;
    });
    this.addresses = [udp, secure ? tcp.replace("tcp://", "tcp+tls://") : tcp];
  }

  async stop(): Promise<void> {
    await this.#udp?.close();
    this.#flushDatagrams();
    await this.#tcp?.close();
    await this.#ingest?.drain();
    this.#tags?.close();
  }

  async #secureContext(): Promise<SecureContext | undefined> {
    const tls = this.#o.tls;
    if (!tls) return undefined;
    if (!tls.cert || !tls.key)
      throw new Error("syslog TLS needs both --syslog-tls-cert and --syslog-tls-key");
    return createSecureContext({ cert: await readFile(tls.cert), key: await readFile(tls.key) });
  }

  /** Datagrams of one event-loop turn go out as one batch. */
  #onDatagram(msg: Buffer, peer: string, ctx: SourceContext): void {
    // UDP cannot be slowed down: while the pipeline waits (queue long, spool refusing writes) drop and count.
    if ((this.#ingest?.queued ?? 0) >= MAX_QUEUED_UDP || ctx.backlogged?.()) {
      ctx.skippedInput?.(SYSLOG_INPUT.udpBacklog, 1);
      if (this.#udpDropped++ % 10_000 === 0)
        ctx.log.warn(
          { dropped: this.#udpDropped },
          "syslog: UDP datagrams dropped, the pipeline is not keeping up",
        );
      return;
    }
    if (this.#udpBatch.size === 0) setImmediate(() => this.#flushDatagrams());
    const frames = this.#udpBatch.get(peer) ?? [];
    frames.push(datagramFrame(msg, this.#maxFrame));
    this.#udpBatch.set(peer, frames);
  }

  #flushDatagrams(): void {
    const batch = this.#udpBatch;
    this.#udpBatch = new Map();
    for (const [peer, frames] of batch) void this.#ingest?.ingest(frames, peer);
  }

  async #onConnection(
    socket: Socket,
    secure: SecureContext | undefined,
    ingest: SyslogIngest,
    malformed: InputReporter,
  ): Promise<void> {
    const peer = peerOf(socket);
    const stream = secure ? new TLSSocket(socket, { isServer: true, secureContext: secure }) : socket;
    const framer = new SyslogFramer(this.#maxFrame);
    for await (const chunk of stream) {
      const out = framer.push(chunk as Buffer);
      await ingest.ingest(out.frames, peer); // waiting here is the sender's backpressure
      if (out.fatal) {
        malformed.report(SYSLOG_INPUT.invalidFrame, `${out.fatal}; closing the connection`, { peer });
        socket.destroy();
        return;
      }
    }
    const last = framer.end();
    if (last.incomplete)
      malformed.report(SYSLOG_INPUT.incompleteFrame, "connection closed inside an octet-counted frame", {
        peer,
      });
    await ingest.ingest(last.frames, peer);
  }
}

function peerOf(socket: Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
