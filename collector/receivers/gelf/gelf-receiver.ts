// The GELF receiver for Docker's `--log-driver gelf`: UDP (chunked; gzip, zlib or plain) and
// TCP (NUL-framed) on the same port. Bad input is skipped one message at a time, counted and
// logged; the listeners stay up.
import type { RemoteInfo } from "node:dgram";
import type { Socket } from "node:net";
import type { ListenAddress } from "../../flags.ts";
import type { SourceContext } from "../../sources/source.ts";
import { tcpServerOptions } from "../net/connection-limits.ts";
import { InputReporter } from "../net/input-reporter.ts";
import { TcpServer } from "../net/tcp-server.ts";
import { UdpSocket } from "../net/udp-socket.ts";
import type { Receiver, ReceiverLimits } from "../receiver.ts";
import { type ChunkLimits, ChunkReassembler, isChunk } from "./chunks.ts";
import { gelfToLogRecord } from "./message.ts";
import { GELF_INPUT } from "./metrics.ts";
import { NulFramer } from "./nul-framer.ts";
import { decodePayload } from "./payload.ts";

export interface GelfOptions extends ReceiverLimits {
  chunks?: Partial<ChunkLimits>;
}

/** A whole GELF message may be this much bigger than its body: JSON escaping and Docker's fields. */
export function maxMessageBytes(maxLineBytes: number): number {
  return 6 * maxLineBytes + 64 * 1024;
}

export class GelfReceiver implements Receiver {
  readonly name = "gelf";
  addresses: string[] = [];
  readonly #at: ListenAddress;
  readonly #opts: GelfOptions;
  readonly #chunks: ChunkReassembler;
  readonly #inflight = new Set<Promise<void>>();
  #ctx: SourceContext | undefined;
  #udp: UdpSocket | undefined;
  #tcp: TcpServer | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #bad: InputReporter | undefined;
  #seq = 0;

  constructor(at: ListenAddress, opts: GelfOptions) {
    this.#at = at;
    this.#opts = opts;
    this.#chunks = new ChunkReassembler(opts.chunks);
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#bad = new InputReporter(ctx, "gelf");
    // Port 0 (tests) means one free port for both: UDP picks it, and should TCP find that port
    // taken (another process's ephemeral TCP port), a new one is picked.
    const attempts = this.#at.port === 0 ? 5 : 1;
    let bound: [string, string] | undefined;
    for (let i = 1; !bound; i++) {
      try {
        bound = await this.#bindBoth(ctx);
      } catch (err) {
        if (i >= attempts || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
      }
    }
    const [udp, tcp] = bound;
    this.addresses = [udp, tcp];
    this.#sweeper = setInterval(() => this.#sweep(), 1000);
    this.#sweeper.unref();
  }

  /** UDP, then TCP on the same port; both or neither (a half-started receiver would hold the UDP port). */
  async #bindBoth(ctx: SourceContext): Promise<[string, string]> {
    this.#udp = new UdpSocket(this.#at.host, (msg, from) => this.#onDatagram(msg, from));
    const udp = await this.#udp.bind(this.#at, 8 * 1024 * 1024);
    this.#tcp = new TcpServer(
      (socket) => this.#onConnection(socket),
      (err, socket) => ctx.log.warn({ err, peer: peerOf(socket) }, "gelf: TCP connection failed"),
      tcpServerOptions(ctx, this.#bad as InputReporter, this.#opts.connections),
    );
    const tcp = await this.#tcp.listen({ host: this.#at.host, port: this.#udp.port }).catch(async (err) => {
      await this.#udp?.close();
      this.#tcp = undefined;
      throw err;
    });
    return [udp, tcp];
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.#udp?.close();
    await this.#tcp?.close();
    await Promise.all(this.#inflight);
  }

  #onDatagram(datagram: Buffer, from: RemoteInfo): void {
    const peer = `udp://${from.address}:${from.port}`;
    if (this.#ctx?.backlogged?.()) {
      this.#bad?.report(GELF_INPUT.udpBacklog, "the spool refuses writes; UDP cannot wait", { peer });
      return;
    }
    if (!isChunk(datagram)) return void this.#onPayload(datagram, peer);
    const r = this.#chunks.add(datagram, `${from.address}:${from.port}`, Date.now());
    const evicted = this.#chunks.evicted;
    this.#chunks.evicted = 0;
    if (evicted > 0)
      this.#bad?.report(
        GELF_INPUT.reassemblyFull,
        "incomplete chunked messages evicted: reassembly memory full",
        { peer },
        evicted,
      );
    if (r.kind === "complete") this.#onPayload(r.payload, peer);
    else if (r.kind === "malformed")
      this.#bad?.report(GELF_INPUT.invalidChunk, r.reason, {
        peer,
        sample: datagram,
        bytes: datagram.length,
      });
  }

  #sweep(): void {
    const n = this.#chunks.sweep(Date.now());
    if (n > 0)
      this.#bad?.report(
        GELF_INPUT.reassemblyTimeout,
        "chunked messages still incomplete at the reassembly timeout",
        {},
        n,
      );
  }

  /** Decodes and emits one message; returns the emit promise (TCP awaits it for backpressure). */
  #onPayload(payload: Buffer, peer: string): Promise<void> {
    const ctx = this.#ctx as SourceContext;
    const maxLineBytes = this.#opts.maxLineBytes;
    const decoded = decodePayload(payload, maxMessageBytes(maxLineBytes));
    if (!decoded.ok) {
      this.#bad?.report(GELF_INPUT.undecodable, decoded.reason, {
        peer,
        sample: payload,
        bytes: payload.length,
      });
      return Promise.resolve();
    }
    const r = gelfToLogRecord(decoded.json, { host: ctx.host, inventory: ctx.inventory }, this.#seq++);
    if (!r.ok) {
      this.#bad?.report(GELF_INPUT.invalidMessage, r.reason, {
        peer,
        sample: decoded.json,
        bytes: payload.length,
      });
      return Promise.resolve();
    }
    const emitted = ctx.emit([r.record]).catch((err) => ctx.log.error({ err }, "gelf: emit failed"));
    this.#inflight.add(emitted);
    void emitted.finally(() => this.#inflight.delete(emitted));
    return emitted;
  }

  async #onConnection(socket: Socket): Promise<void> {
    const peer = peerOf(socket);
    const framer = new NulFramer(maxMessageBytes(this.#opts.maxLineBytes));
    for await (const data of socket as AsyncIterable<Buffer>) {
      for (const frame of framer.push(data)) {
        if (frame.ok) await this.#onPayload(frame.bytes, peer);
        else this.#bad?.report(GELF_INPUT.oversizedFrame, frame.reason, { peer, sample: frame.sample });
      }
    }
    // The peer closed: a last message without its NUL is still a message (Graylog accepts it too).
    const rest = framer.push(Buffer.from([0]));
    for (const frame of rest) if (frame.ok) await this.#onPayload(frame.bytes, peer);
  }
}

function peerOf(socket: Socket): string {
  return `tcp://${socket.remoteAddress}:${socket.remotePort}`;
}
