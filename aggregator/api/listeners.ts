// The aggregator's sockets: the API listener (and optionally a separate ingest listener), plain
// HTTP or TLS, each with a connection cap and timeouts so idle or trickling clients cannot hold
// descriptors or memory. Both serve the one fastify app, so the token check, limits and metrics
// are the same on either; the ingest listener answers only ingest and /healthz.
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type Socket } from "node:net";
import type { FastifyServerFactory } from "fastify";
import type { Logger } from "pino";
import type { AggregatorMetrics } from "../metrics.ts";

export interface ListenAddress {
  host: string;
  port: number;
}

/** PEM file paths of --tls-cert, --tls-key and --tls-client-ca. */
export interface TlsFiles {
  cert?: string;
  key?: string;
  clientCa?: string;
}

export interface NetworkOptions {
  /** A second listener serving only ingest and /healthz (--ingest-listen). */
  ingestListen?: ListenAddress;
  tls: TlsFiles;
  /** Accept a non-loopback listener without TLS (--insecure). */
  insecure: boolean;
  /** Open connections per listener; more are closed at once (--max-connections). */
  maxConnections: number;
  /** Time to receive a whole request, body included (--request-timeout). */
  requestTimeoutMs: number;
  /** Time to receive the request line and headers. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic either way is closed after this (a query's answer may take a while). */
  socketTimeoutMs: number;
}

export const DEFAULT_NETWORK: NetworkOptions = {
  tls: {},
  insecure: false,
  maxConnections: 1024,
  requestTimeoutMs: 60_000,
  headersTimeoutMs: 20_000,
  keepAliveTimeoutMs: 30_000,
  socketTimeoutMs: 120_000,
};

/** The only paths the ingest listener answers; compared as sent, so no encoding slips past. */
const INGEST_PATHS = new Set(["/api/v1/ingest", "/healthz"]);

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Tls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** Reads the PEM files; a missing half or an unreadable file is an error naming its flag. */
export async function loadTls(files: TlsFiles): Promise<Tls | undefined> {
  if (!files.cert && !files.key) {
    if (files.clientCa)
      throw new Error(
        "--tls-client-ca needs --tls-cert and --tls-key: client certificates are checked over TLS",
      );
    return undefined;
  }
  if (!files.cert || !files.key)
    throw new Error(
      "TLS needs both --tls-cert and --tls-key (FLEETSCOPE_TLS_CERT, FLEETSCOPE_TLS_KEY): the PEM certificate and its private key",
    );
  const read = async (flag: string, path: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new Error(`cannot read ${flag} ${path}: ${(err as Error).message}`);
    }
  };
  return {
    cert: await read("--tls-cert", files.cert),
    key: await read("--tls-key", files.key),
    ca: files.clientCa ? await read("--tls-client-ca", files.clientCa) : undefined,
  };
}

export const isLoopback = (host: string) =>
  host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));

/**
 * Refuses a listener other machines can reach when it would carry bearer tokens in clear text,
 * unless --insecure says so (then warns).
 */
export function checkExposure(
  listeners: ListenAddress[],
  tls: Tls | undefined,
  insecure: boolean,
  log: Logger,
): void {
  if (tls) return;
  const exposed = listeners.filter((l) => !isLoopback(l.host)).map((l) => `${l.host}:${l.port}`);
  if (exposed.length === 0) return;
  if (insecure) {
    log.warn(
      { listeners: exposed },
      "--insecure: serving plain HTTP on a non-loopback address; tokens and logs cross the network in clear text",
    );
    return;
  }
  throw new Error(
    `refusing to listen on ${exposed.join(" and ")} without TLS: bearer tokens and every log line would cross the network in clear text. Give --tls-cert and --tls-key (FLEETSCOPE_TLS_CERT, FLEETSCOPE_TLS_KEY), or listen on loopback, or pass --insecure (FLEETSCOPE_INSECURE=1) on a network you trust`,
  );
}

/** An http or https server with the connection cap and timeouts; dropped connections are counted. */
function createServer(
  handler: Handler,
  net: NetworkOptions,
  tls: Tls | undefined,
  listener: "api" | "ingest",
  metrics: AggregatorMetrics,
): http.Server {
  const timeouts: http.ServerOptions = {
    requestTimeout: net.requestTimeoutMs,
    headersTimeout: Math.min(net.headersTimeoutMs, net.requestTimeoutMs),
    keepAliveTimeout: net.keepAliveTimeoutMs,
    // Node checks the request and headers timeouts on this interval (30 s by default, which would
    // let a trickling body live well past a short --request-timeout).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, net.requestTimeoutMs / 4)),
  };
  const server = tls
    ? https.createServer(
        {
          ...timeouts,
          cert: tls.cert,
          key: tls.key,
          ca: tls.ca,
          requestCert: !!tls.ca,
          rejectUnauthorized: !!tls.ca,
          handshakeTimeout: timeouts.headersTimeout,
        },
        handler,
      )
    : http.createServer(timeouts, handler);
  server.maxConnections = net.maxConnections;
  server.on("drop", () => metrics.connectionsDropped.inc({ listener, reason: "cap" }));
  // Over TLS the connection to watch is the one after the handshake (bounded by handshakeTimeout).
  const requested = new WeakSet<Socket>();
  server.on("request", (req: http.IncomingMessage) => requested.add(req.socket));
  server.on(tls ? "secureConnection" : "connection", (socket: Socket) =>
    closeIfNoRequest(socket, timeouts.headersTimeout as number, requested, () =>
      metrics.connectionsDropped.inc({ listener, reason: "silent" }),
    ),
  );
  server.setTimeout(net.socketTimeoutMs);
  return server;
}

/**
 * Node's headers timeout only runs once a request has begun: a connection that never sends one
 * would hold one of the --max-connections slots until the socket timeout. Close it sooner.
 */
function closeIfNoRequest(
  socket: Socket,
  afterMs: number,
  requested: WeakSet<Socket>,
  counted: () => void,
): void {
  const timer = setTimeout(() => {
    if (requested.has(socket) || socket.destroyed) return;
    counted();
    socket.destroy();
  }, afterMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

/** Answers 404 for everything but ingest and /healthz, then hands the request to the app. */
function ingestOnly(handler: Handler): Handler {
  return (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (INGEST_PATHS.has(path)) return handler(req, res);
    const body = JSON.stringify({
      error: `${path} is not served on the ingest listener (only ${[...INGEST_PATHS].join(", ")}); use the API listener (--listen)`,
      statusCode: 404,
    });
    res.writeHead(404, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  };
}

/**
 * The fastify server factory for the API listener; it also keeps fastify's request handler so the
 * ingest listener (if any) can serve the same app.
 */
export class Listeners {
  readonly #net: NetworkOptions;
  readonly #tls: Tls | undefined;
  readonly #metrics: AggregatorMetrics;
  #handler: Handler | undefined;
  #ingest: http.Server | undefined;

  constructor(net: NetworkOptions, tls: Tls | undefined, metrics: AggregatorMetrics) {
    this.#net = net;
    this.#tls = tls;
    this.#metrics = metrics;
  }

  get scheme(): "http" | "https" {
    return this.#tls ? "https" : "http";
  }

  readonly serverFactory: FastifyServerFactory = (handler) => {
    this.#handler = handler as Handler;
    return createServer(this.#handler, this.#net, this.#tls, "api", this.#metrics);
  };

  /** Starts the ingest listener (after the app is listening) and returns its port. */
  async listenIngest(at: ListenAddress): Promise<number> {
    if (!this.#handler) throw new Error("the API server must be created before the ingest listener");
    const server = createServer(ingestOnly(this.#handler), this.#net, this.#tls, "ingest", this.#metrics);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(at.port, at.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#ingest = server;
    const addr = server.address();
    return typeof addr === "object" && addr ? addr.port : at.port;
  }

  /** Closes the ingest listener: no new connections, idle ones at once, the rest once answered. */
  async closeIngest(): Promise<void> {
    const server = this.#ingest;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
  }
}

/** `scheme://host:port` with an IPv6 host in brackets. */
export function urlOf(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
