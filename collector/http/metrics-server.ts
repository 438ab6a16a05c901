// The standalone collector's Prometheus endpoint: GET /metrics (and /healthz) on a small node:http server.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { EXPOSITION_CONTENT_TYPE } from "../../protocol/cadvisor/exposition.ts";

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The exposition text, rendered per scrape. */
  render: () => Promise<string>;
  log: Logger;
}

export class MetricsServer {
  readonly #server: Server;
  readonly #opts: MetricsServerOptions;

  constructor(opts: MetricsServerOptions) {
    this.#opts = opts;
    this.#server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
        return;
      }
      if (path === "/healthz") {
        // Liveness: this process serves. What it collects and ships is on /metrics.
        res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
        return;
      }
      if (path !== "/metrics") {
        res
          .writeHead(path === "/" ? 200 : 404, { "content-type": "text/plain" })
          .end(path === "/" ? "fleetscope collector: Prometheus metrics at /metrics\n" : "not found\n");
        return;
      }
      opts.render().then(
        (text) => {
          res.writeHead(200, { "content-type": EXPOSITION_CONTENT_TYPE });
          res.end(req.method === "HEAD" ? undefined : text);
        },
        (err) => {
          opts.log.error({ err }, "rendering /metrics failed");
          res.writeHead(500, { "content-type": "text/plain" }).end("rendering metrics failed\n");
        },
      );
    });
    this.#server.keepAliveTimeout = 65_000; // longer than Prometheus' idle connection reuse
  }

  /** Listens; resolves with the URL of /metrics. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#opts.port, this.#opts.host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    const addr = this.#server.address() as AddressInfo;
    const host = addr.address.includes(":") ? `[${addr.address}]` : addr.address;
    return `http://${host}:${addr.port}/metrics`;
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
