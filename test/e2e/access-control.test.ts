// Access control on a real `fleetscope up`: every route but /healthz needs a bearer token (each
// route of the OpenAPI document is tried anonymously), roles decide what a token may do, a revoked
// token stops working, tokens never travel in URLs or argv, and a request naming a host the
// aggregator does not answer for is refused (DNS rebinding). The admin token `up` leaves in its
// data directory is what the CLI on the same machine uses without flags.
import { stat } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TOKEN_CACHE_MS } from "../../aggregator/auth/tokens.ts";
import { apiFetch, createToken, tokenFor } from "../helpers/api.ts";
import { runCli } from "../helpers/cli.ts";
import { postBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { spooledBatches } from "../helpers/spool.ts";
import { freePort, getJson, metricTotal, startCollector, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

/** A GET with any Host header (fetch will not send one of its own choosing). */
function getWithHost(base: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), {
      headers: { host, authorization: `Bearer ${tokenFor(base)}` },
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const batch = (body: string) => [logRecord({ time: new Date().toISOString(), host: "acl-host", body })];

describe("access control", () => {
  const up = useUpStack("access");
  /** The CLI as a person on the stack's machine runs it: no token given, the stack's data dir. */
  const cliHere = (...args: string[]) =>
    runCli(args, { FLEETSCOPE_URL: up.url, FLEETSCOPE_DATA: up.dataDir, FLEETSCOPE_TOKEN: undefined });

  it("refuses an anonymous request on every route of the OpenAPI document with 401; /healthz stays open", async () => {
    const { paths } = await getJson<{ paths: Record<string, Record<string, unknown>> }>(
      up.url,
      "/api/v1/openapi.json",
    );
    const routes = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{\w+\}/g, "x"),
      })),
    );
    // Those the document leaves out, and a path no route has.
    for (const path of ["/api/v1/openapi.json", "/metrics", "/metrics/fleet", "/api/v1/no-such-route"])
      routes.push({ method: "GET", path });
    expect(routes.length).toBeGreaterThan(20);
    const answers: Record<string, number> = {};
    for (const { method, path } of routes) {
      const res = await apiFetch(up.url, path, { method, token: null });
      answers[`${method} ${path}`] = res.status;
      if (path === "/healthz") continue;
      expect(res.headers.get("www-authenticate"), path).toMatch(/^Bearer/);
      expect((await res.json()).error, path).toMatch(/needs a token.*fleetscope token create.*--token-file/);
    }
    expect(answers).toEqual(
      Object.fromEntries(Object.keys(answers).map((k) => [k, k === "GET /healthz" ? 200 : 401])),
    );
    expect(await metricTotal(up.url, "fleetscope_aggregator_auth_failures_total", 'reason="missing"')).toBe(
      routes.length - 1,
    );
  });

  it("takes the Bearer scheme in any case, and nothing else", async () => {
    const token = tokenFor(up.url) as string;
    for (const scheme of ["Bearer", "bearer", "BEARER"])
      expect(
        (await apiFetch(up.url, "/api/v1/hosts", { headers: { authorization: `${scheme} ${token}` } }))
          .status,
      ).toBe(200);
    const basic = await apiFetch(up.url, "/api/v1/hosts", { headers: { authorization: `Basic ${token}` } });
    expect(basic.status).toBe(401);
    expect((await basic.json()).error).toMatch(/must be 'Bearer <token>'/);
    const wrong = await apiFetch(up.url, "/api/v1/hosts", { token: "fst_not-a-token" });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toMatch(/unknown or revoked/);
  });

  it("gives each role its own: read reads, ingest sends, only admin manages tokens", async () => {
    const read = (await createToken(up.url, { name: "reader", role: "read" })).secret;
    const ingest = (await createToken(up.url, { name: "shipper", role: "ingest" })).secret;

    expect((await apiFetch(up.url, "/api/v1/hosts", { token: read })).status).toBe(200);
    expect((await apiFetch(up.url, "/metrics", { token: read })).status).toBe(200);
    const readSends = await apiFetch(up.url, "/api/v1/ingest", {
      method: "POST",
      token: read,
      headers: { "content-type": "application/x-ndjson" },
      body: "{}",
    });
    expect(readSends.status).toBe(403);
    expect((await readSends.json()).error).toMatch(
      /"reader" has the read role.*needs a token with the ingest or admin role/,
    );
    // Percent-encoded, the path still reaches the tokens route: judged by the route, not the text.
    for (const [method, path] of [
      ["GET", "/api/v1/tokens"],
      ["POST", "/api/v1/tokens"],
      ["GET", "/api/v1/%74okens"],
    ]) {
      const res = await apiFetch(up.url, path as string, { method, token: read });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await res.json()).error).toMatch(/admin role/);
    }

    await postBatch(up.url, batch("sent with an ingest token"), ingest);
    for (const path of ["/api/v1/logs", "/api/v1/hosts", "/metrics", "/metrics/fleet", "/api/v1/tokens"]) {
      const res = await apiFetch(up.url, path, { token: ingest });
      expect(res.status, path).toBe(403);
    }
    expect(await metricTotal(up.url, "fleetscope_aggregator_auth_failures_total", 'reason="forbidden"')).toBe(
      9,
    );
  });

  it("lists tokens without secrets or hashes, and a revoked token stops working", async () => {
    const { id, secret } = await createToken(up.url, { name: "short-lived", role: "read" });
    expect((await apiFetch(up.url, "/api/v1/hosts", { token: secret })).status).toBe(200);
    const listed = await (await apiFetch(up.url, "/api/v1/tokens")).text();
    expect(listed).toContain('"name":"short-lived"');
    expect(listed).not.toContain(secret);
    expect(listed).not.toMatch(/sha256|hash|secret/i);

    const revoked = await cliHere("token", "revoke", id);
    expect(revoked.stderr).toBe("");
    expect(revoked.stdout).toBe(`revoked token ${id} (short-lived, read)\n`);
    await waitFor(
      "the revoked token refused",
      async () => (await apiFetch(up.url, "/api/v1/hosts", { token: secret })).status === 401,
      { timeoutMs: TOKEN_CACHE_MS + 2_000 },
    );
    const unknown = await apiFetch(up.url, "/api/v1/tokens/no-such-id", { method: "DELETE" });
    expect(unknown.status).toBe(404);
  });

  it("answers a token request it cannot take with a 400 naming the field", async () => {
    const post = async (body: string) => {
      const res = await apiFetch(up.url, "/api/v1/tokens", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    };
    expect(await post('{"name":"x","role":"root"}')).toEqual({
      status: 400,
      error: "body field role must be one of: ingest, read, admin",
    });
    expect(await post('{"name":"x","role":"read","readHosts":["a b"]}')).toEqual({
      status: 400,
      error:
        "body field readHosts/0 must be a name: a letter or digit, then letters, digits, . _ : - (up to 128 characters)",
    });
    expect(await post('{"role":"read"}')).toEqual({ status: 400, error: "body field name is required" });
  });

  it("will not revoke the last admin token", async () => {
    const { tokens } = await getJson<{ tokens: { id: string; role: string; revoked: string | null }[] }>(
      up.url,
      "/api/v1/tokens",
    );
    const admins = tokens.filter((t) => t.role === "admin" && !t.revoked);
    expect(admins).toHaveLength(1);
    const res = await apiFetch(up.url, `/api/v1/tokens/${admins[0]?.id}`, { method: "DELETE" });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toMatch(/last admin token.*create another admin token first/);
    expect((await apiFetch(up.url, "/api/v1/hosts")).status).toBe(200);
  });

  it("refuses a token in the URL with 400, even beside a valid header", async () => {
    for (const param of ["token", "access_token"]) {
      const res = await apiFetch(up.url, `/api/v1/hosts?${param}=${tokenFor(up.url)}`);
      expect(res.status, param).toBe(400);
      expect((await res.json()).error).toMatch(/tokens go in the Authorization header/);
    }
  });

  it("answers only for its own names (DNS rebinding), and says which flag adds one", async () => {
    const port = new URL(up.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
      expect((await getWithHost(up.url, "/api/v1/hosts", host)).status, host).toBe(200);
    const evil = await getWithHost(up.url, "/api/v1/hosts", `evil.example:${port}`);
    expect(evil.status).toBe(421);
    expect(JSON.parse(evil.body).error).toMatch(
      /does not answer for host "evil.example:\d+".*--allowed-hosts/,
    );
    expect((await getWithHost(up.url, "/healthz", "evil.example")).status).toBe(421);
  });

  it("keeps the admin token in the data directory for its owner only; the CLI there needs no flags", async () => {
    const { mode } = await stat(join(up.dataDir, "admin.token"));
    expect((mode & 0o777).toString(8)).toBe("600");
    const logs = await cliHere("logs", "--since", "1h");
    expect(logs.stderr).toBe("");
    expect(logs.code).toBe(0);
    const list = await cliHere("token", "list");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID +NAME +ROLE +SCOPE +CREATED +REVOKED$/m);
    expect(list.stdout).toMatch(/ admin +everything /);
  });

  it("fleetscope token create prints the secret once, and it works with its scope", async () => {
    const created = await cliHere(
      "token",
      "create",
      "--role",
      "read",
      "--log-set",
      "web",
      "--host",
      "h1",
      "--name",
      "ci",
    );
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^fst_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/created token [0-9a-f]+ \(ci; read; log sets web; hosts h1\)/);
    expect((await apiFetch(up.url, "/api/v1/hosts", { token: secret })).status).toBe(200);
    const json = JSON.parse((await cliHere("token", "create", "--role", "ingest", "-o", "json")).stdout);
    expect(json).toMatchObject({
      token: { role: "ingest", logSet: "default" },
      secret: expect.stringMatching(/^fst_/),
    });
    const bad = await cliHere("token", "create", "--role", "read", "--log-set", "we b");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/log set "we b" is not a valid name/);
  });

  it("tells the CLI user which token was refused and where to get one", async () => {
    const r = await runCli(["ps", "--url", up.url], { FLEETSCOPE_TOKEN: "fst_bogus" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the token is unknown or revoked.*\[sent: FLEETSCOPE_TOKEN\]/);
    const none = await runCli(["ps", "--url", up.url, "--data", join(up.dataDir, "nowhere")], {
      FLEETSCOPE_TOKEN: undefined,
    });
    expect(none.stderr).toMatch(
      /needs a token.*\[sent: no token .*nowhere\/admin\.token is not readable: ENOENT\)\]/,
    );
  });

  it("takes no token in argv: --token is refused with what to use instead, and the secret is not echoed", async () => {
    for (const command of [["logs"], ["token", "list"], ["collector"], ["aggregator"], ["up"]]) {
      const r = await runCli([...command, "--token", "S3CRET-in-argv"]);
      expect(r.code, command.join(" ")).toBe(1);
      expect(r.stderr).toMatch(
        /--token is not accepted.*--token-file FILE \(FLEETSCOPE_TOKEN_FILE\).*FLEETSCOPE_TOKEN/,
      );
      expect(r.stderr).not.toContain("S3CRET-in-argv");
    }
  });

  it("a collector whose token is refused says so loudly, counts it and keeps its batches", async () => {
    const spool = join(up.dataDir, "refused-spool");
    const metricsUrl = `http://127.0.0.1:${await freePort()}`;
    const collector = await startCollector(
      up.url,
      spool,
      ["--metrics-listen", new URL(metricsUrl).host, "--host-name", "refused"],
      { FLEETSCOPE_TOKEN: "fst_not-an-ingest-token" },
    );
    try {
      await waitFor("the refusal logged at error level", () =>
        /"level":50.*aggregator refused this collector's token.*--token-file/.test(collector.stderr),
      );
      expect(
        await metricTotal(metricsUrl, "fleetscope_collector_ship_failures_total", 'reason="401"'),
      ).toBeGreaterThan(0);
      expect(await spooledBatches(spool)).toBeGreaterThan(0);
      const { hosts } = await getJson<{ hosts: { host: string }[] }>(up.url, "/api/v1/hosts");
      expect(hosts.map((h) => h.host)).not.toContain("refused");
    } finally {
      await collector.stop();
    }
  });
});
