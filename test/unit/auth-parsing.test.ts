// The pure parts of the auth hook: which roles a path needs, how the Authorization header is
// read, and how a Host header is compared with the names the aggregator answers for.
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { bearerToken, rolesFor } from "../../aggregator/auth/hook.ts";
import {
  allowedHosts,
  certificateNames,
  hostAllowed,
  hostOfHeader,
} from "../../aggregator/auth/host-check.ts";
import { makePki } from "../helpers/network.ts";
import { tempDir } from "../helpers/stack.ts";

describe("rolesFor", () => {
  it("opens /healthz only; ingest to ingest and admin; tokens to admin; the rest to read and admin", () => {
    expect(rolesFor("/healthz")).toBeUndefined();
    expect(rolesFor("/healthz/")).toEqual(["read", "admin"]);
    expect(rolesFor("/api/v1/ingest")).toEqual(["ingest", "admin"]);
    expect(rolesFor("/api/v1/tokens")).toEqual(["admin"]);
    expect(rolesFor("/api/v1/tokens/:id")).toEqual(["admin"]);
    expect(rolesFor("/api/v1/tokensx")).toEqual(["read", "admin"]);
    for (const path of ["/metrics", "/metrics/fleet", "/api/v1/openapi.json", "/api/v1/logs", "/nowhere"])
      expect(rolesFor(path), path).toEqual(["read", "admin"]);
  });
});

describe("bearerToken", () => {
  it("reads the Bearer scheme in any case, and nothing else", () => {
    for (const h of ["Bearer abc", "bearer abc", "BEARER abc", "Bearer\tabc", "Bearer  abc "])
      expect(bearerToken(h), h).toBe("abc");
    for (const h of [undefined, "", "Basic abc", "Bearer", "Bearer ", "Bearer a b", "Bearerabc", "abc"])
      expect(bearerToken(h), String(h)).toBeUndefined();
  });
});

describe("the Host check", () => {
  it("strips the port, brackets, case and a trailing dot", () => {
    expect(hostOfHeader("[::1]:8470")).toBe("::1");
    expect(hostOfHeader("[::1]")).toBe("::1");
    expect(hostOfHeader("Example.COM.:80")).toBe("example.com");
    expect(hostOfHeader("127.0.0.1")).toBe("127.0.0.1");
  });

  it("answers for loopback and the given names only, or for any with *", async () => {
    const allowed = await allowedHosts(["fleet.example", "[fd00::5]"], ["0.0.0.0"]);
    for (const h of ["localhost:1", "127.0.0.1:8470", "[::1]:8470", "FLEET.example:8470", "[fd00::5]:8470"])
      expect(hostAllowed(allowed, h), h).toBe(true);
    for (const h of ["evil.example", "evil.example:8470", "fleet.example.evil.example", "0.0.0.0:8470"])
      expect(hostAllowed(allowed, h), h).toBe(false);
    expect(hostAllowed(allowed, undefined)).toBe(true);
    expect(hostAllowed(await allowedHosts(["*"], ["127.0.0.1"]), "evil.example")).toBe(true);
  });

  it("by default answers for the listen address and this machine's names", async () => {
    const allowed = await allowedHosts(undefined, ["10.9.8.7", "10.0.0.2"]);
    expect(hostAllowed(allowed, "10.9.8.7:8470")).toBe(true);
    expect(hostAllowed(allowed, "10.0.0.2:8471")).toBe(true); // the ingest listener's
    expect(hostAllowed(allowed, hostname())).toBe(true);
    expect(hostAllowed(allowed, "evil.example")).toBe(false);
  });

  it("by default also answers for the names the TLS certificate is made out to", async () => {
    const dir = await tempDir("host-check");
    try {
      const pki = await makePki(dir.path);
      const cert = await readFile(pki.serverCert);
      expect(certificateNames(cert)).toEqual(
        expect.arrayContaining(["127.0.0.1", "localhost", "aggregator.fleet.test"]),
      );
      const allowed = await allowedHosts(undefined, ["0.0.0.0"], cert);
      expect(hostAllowed(allowed, "aggregator.fleet.test:8470")).toBe(true);
      expect(hostAllowed(allowed, "evil.example")).toBe(false);
    } finally {
      await dir.remove();
    }
  });
});
