// Peers' URLs with credentials in them (protocol/peer-url.ts): usable (fetch refuses them as they
// are), and never shown — in logs, start lines or the errors of a bad flag.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parseAggregatorUrl, parseUrl } from "../../cli/options.ts";
import { parseUrlList, shippingOptions } from "../../collector/flags.ts";
import { checkHttpUrl, hasCredentials, peerRequest, shownUrl } from "../../protocol/peer-url.ts";
import { SECRET_MASK as M } from "../../protocol/secrets.ts";

describe("shownUrl", () => {
  it("masks the password of the user info, and a user name given alone (often a token)", () => {
    expect(shownUrl("https://fleet:s3cr%2Ft@am.example:9093/api")).toBe(
      `https://fleet:${M}@am.example:9093/api`,
    );
    expect(shownUrl("http://ghp_abc123@hooks.example/x")).toBe(`http://${M}@hooks.example/x`);
    expect(shownUrl("http://127.0.0.1:9093")).toBe("http://127.0.0.1:9093");
  });

  it("masks query parameters named like secrets, and leaves the others", () => {
    expect(shownUrl("https://hooks.example/in?token=abc&channel=ops&api_key=k")).toBe(
      `https://hooks.example/in?token=${M}&channel=ops&api_key=${M}`,
    );
  });

  it("masks text that is not a valid URL as well (the error of a bad flag shows it)", () => {
    expect(shownUrl("http://u:pw@[bad")).toBe(`http://u:${M}@[bad`);
    expect(() => checkHttpUrl("http://u:pw@[bad", "http://x")).toThrow(`http://u:${M}@[bad`);
    expect(() => checkHttpUrl("http://u:pw@[bad", "http://x")).not.toThrow(/pw/);
  });
});

describe("peerRequest", () => {
  it("moves user:password into a Basic Authorization header, decoded, that a server receives", async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const { url, headers } = peerRequest(`http://fleet:p%40ss@127.0.0.1:${port}/base/`, "api/v2/alerts");
    expect(url.href).toBe(`http://127.0.0.1:${port}/base/api/v2/alerts`);
    // fetch refuses the URL as given, before any connection; this one reaches the server.
    await expect(fetch(`http://fleet:p%40ss@127.0.0.1:${port}/`)).rejects.toThrow(/credentials/);
    expect((await fetch(url, { headers })).ok).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(seen.map((h) => Buffer.from((h ?? "").replace("Basic ", ""), "base64").toString())).toEqual([
      "fleet:p@ss",
    ]);
    expect(peerRequest("http://127.0.0.1:9").headers).toEqual({});
  });
});

describe("flags taking URLs", () => {
  it("refuse credentials where a token authenticates (the aggregator), without echoing them", () => {
    for (const parse of [parseAggregatorUrl, (v: string) => parseUrlList(v, "http://x")]) {
      expect(() => parse("http://u:hunter2@10.0.0.5:8470")).toThrow(/takes a token/);
      expect(() => parse("http://u:hunter2@10.0.0.5:8470")).not.toThrow(/hunter2/);
    }
    const cmd = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    for (const o of shippingOptions("http://127.0.0.1:8470")) cmd.addOption(o);
    expect(() => cmd.parse(["--aggregator", "http://u:hunter2@h:1"], { from: "user" })).toThrow(
      /takes a token/,
    );
  });

  it("take them where the peer uses basic auth (Alertmanager, webhooks, ClickHouse, etcd)", () => {
    expect(parseUrl("https://u:pw@ch.example:8443/")).toBe("https://u:pw@ch.example:8443");
    expect(parseUrlList("http://u:pw@etcd:2379", "http://x", "allow")).toEqual(["http://u:pw@etcd:2379"]);
    expect(hasCredentials("http://u:pw@etcd:2379")).toBe(true);
    const cmd = new Command().exitOverride();
    for (const o of shippingOptions("http://127.0.0.1:8470")) cmd.addOption(o);
    cmd.parse(["--etcd", "http://u:pw@etcd:2379"], { from: "user" });
    expect(cmd.opts().etcd).toEqual(["http://u:pw@etcd:2379"]);
  });
});
