// `fleetscope healthcheck`: the image's HEALTHCHECK (and any supervisor's liveness check). One
// image runs any subcommand, so it asks the local collector's and the local aggregator's /healthz
// and is healthy when either answers 2xx; FLEETSCOPE_HEALTHCHECK_URL names the one to ask when
// a container listens elsewhere (e.g. --metrics-listen on the node's address).
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { type Command, Option } from "commander";
import { shownUrl } from "../../protocol/peer-url.ts";
import { DEFAULT_LISTEN, DEFAULT_METRICS_LISTEN, parseKeyList } from "../options.ts";

// The aggregator's API is https once it has --tls-cert: both schemes are asked.
const DEFAULT_URLS = [
  `http://${DEFAULT_METRICS_LISTEN}/healthz`,
  `http://${DEFAULT_LISTEN}/healthz`,
  `https://${DEFAULT_LISTEN}/healthz`,
];
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

interface HealthcheckFlags {
  url: string[];
  timeout: number;
}

export function registerHealthcheck(program: Command): void {
  program
    .command("healthcheck")
    .description("exit 0 when the local collector or aggregator answers /healthz (the image's HEALTHCHECK)")
    .addOption(
      new Option("--url <urls>", "the /healthz URL(s) to ask, a comma list; healthy when any answers 2xx")
        .env("FLEETSCOPE_HEALTHCHECK_URL")
        .default(DEFAULT_URLS, DEFAULT_URLS.join(","))
        .argParser(parseKeyList),
    )
    .addOption(
      new Option("--timeout <ms>", "how long each URL may take")
        .env("FLEETSCOPE_HEALTHCHECK_TIMEOUT")
        .default(3000)
        .argParser(Number),
    )
    .action(async (f: HealthcheckFlags) => {
      const answers = await Promise.all(f.url.map((u) => ask(u, f.timeout)));
      const ok = answers.find((a) => a.ok);
      if (ok) {
        console.log(`healthy: ${shownUrl(ok.url)} answered ${ok.detail}`);
        return;
      }
      for (const a of answers) console.error(`${shownUrl(a.url)}: ${a.detail}`);
      process.exitCode = 1;
    });
}

interface Answer {
  url: string;
  ok: boolean;
  detail: string;
}

/** GET url; a loopback https URL is not verified: it asks this container's own process, sends no secret. */
function ask(url: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      resolve({ url, ok: false, detail: "not a URL" });
      return;
    }
    const https = parsed.protocol === "https:";
    const send = https ? httpsRequest : httpRequest;
    const req = send(
      parsed,
      { method: "GET", timeout: timeoutMs, rejectUnauthorized: !LOOPBACK.has(parsed.hostname) },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve({ url, ok: status >= 200 && status < 300, detail: `HTTP ${status}` });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err) => resolve({ url, ok: false, detail: err.message }));
    req.end();
  });
}
