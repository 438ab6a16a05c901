// Every command that reads the API fails the same way, with a message a person can act on:
// --url at a server that is not fleetscope (an HTML page, some other JSON API), or at nothing.
// The other servers are real HTTP servers started here; the CLI runs as a child process.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { freePort } from "../helpers/stack.ts";

/** Every API command, with the path it asks first. */
const COMMANDS: [string[], string][] = [
  [["why", "api"], "/api/v1/why"],
  [["logs"], "/api/v1/logs"],
  [["logs", "-f"], "/api/v1/logs"],
  [["ps"], "/api/v1/overview/containers"],
  [["stats", "--no-stream"], "/api/v1/overview/containers"],
  [["stats", "api"], "/api/v1/containers/api"],
  [["events"], "/api/v1/events"],
  [["incidents", "-f"], "/api/v1/incidents"],
  [["inspect", "api"], "/api/v1/containers/api"],
];

async function serve(status: number, type: string, body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => res.writeHead(status, { "content-type": type }).end(body));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("API commands at a URL that is not an aggregator", () => {
  const servers: Server[] = [];
  let html: string;
  let otherJson: string;
  let jsonError: string;

  beforeAll(async () => {
    const pages = await Promise.all([
      // An escape sequence in the page: it must not reach the terminal raw.
      serve(200, "text/html; charset=utf-8", "<!doctype html>\n<title>\u001b[31mWelcome to nginx!</title>"),
      serve(200, "application/json", '{"status":"ok","version":"2.4"}'),
      serve(404, "application/json", '{"message":"Not Found"}'),
    ]);
    servers.push(...pages.map((p) => p.server));
    [html, otherJson, jsonError] = pages.map((p) => p.url) as [string, string, string];
  });
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it("says the URL does not look like an aggregator, with what answered: never a parse error", async () => {
    for (const [args, path] of COMMANDS) {
      const r = await runCli([...args, "--url", html]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        `fleetscope: ${html} does not look like a fleetscope aggregator: GET ${path} answered 200 with text/html: <!doctype html> <title>␛[31mWelcome to nginx!</title>; is the URL right? (--url)\n`,
      );
    }
  });

  it("the same for another service's JSON, and for an error without the aggregator's message", async () => {
    for (const [args, path] of COMMANDS) {
      const other = await runCli([...args, "--url", otherJson]);
      expect(other.code, args.join(" ")).toBe(1);
      expect(other.stderr).toBe(
        `fleetscope: ${otherJson} does not look like a fleetscope aggregator: GET ${path} answered 200 with application/json: {"status":"ok","version":"2.4"}; is the URL right? (--url)\n`,
      );
      const notFound = await runCli([...args, "--url", jsonError]);
      expect(notFound.code, args.join(" ")).toBe(1);
      expect(notFound.stderr).toMatch(
        `does not look like a fleetscope aggregator: GET ${path} answered 404 with application/json: {"message":"Not Found"}`,
      );
    }
  });

  it("says the aggregator cannot be reached and what to check (one-shot commands)", async () => {
    const nothing = `http://127.0.0.1:${await freePort()}`;
    // (With -f, and stats without --no-stream, they retry instead: see cli-logs.test.ts.)
    const oneShot = COMMANDS.filter(
      ([a]) => !a.includes("-f") && (a[0] !== "stats" || a[1] === "--no-stream"),
    );
    for (const [args] of oneShot) {
      const r = await runCli([...args, "--url", nothing]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toBe(
        `fleetscope: cannot reach the aggregator at ${nothing} (ECONNREFUSED); is \`fleetscope up\` or \`fleetscope aggregator\` running there? (--url, FLEETSCOPE_URL)\n`,
      );
    }
  });
});
