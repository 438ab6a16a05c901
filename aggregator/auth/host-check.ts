// The Host header check against DNS rebinding: a web page on evil.example whose name is made to
// resolve to 127.0.0.1 can make a browser send requests to this API, but the browser still sends
// `Host: evil.example`. Answering only for names this machine is known by closes that door.
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { hostname, networkInterfaces } from "node:os";
import { promisify } from "node:util";

/** The names a request may address the API by, or "*" for any (behind a proxy that checks). */
export type AllowedHosts = ReadonlySet<string> | "*";

/** Loopback names: never an attacker's, so always allowed. */
const LOOPBACK = ["localhost", "127.0.0.1", "::1"];

/** A name or address as compared: lower case, no trailing dot, an IPv6 address without brackets. */
const nameOf = (name: string) =>
  name
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");

/** `Host: [::1]:8470` → `::1`; `Example.COM.:80` → `example.com`. */
export function hostOfHeader(header: string): string {
  const h = header.trim();
  return nameOf(h.startsWith("[") ? h.slice(1, h.indexOf("]")) : h.replace(/:\d*$/, ""));
}

/**
 * What `--allowed-hosts` means: the given names (or `*`), else this machine's — the listen
 * addresses, its host name and FQDN, the addresses of its interfaces, and the names the TLS
 * certificate is made out to (the names collectors are meant to use). Loopback names always.
 */
export async function allowedHosts(
  given: string[] | undefined,
  listenHosts: string[],
  certificate?: Buffer,
): Promise<AllowedHosts> {
  if (given?.includes("*")) return "*";
  const names = given ?? [
    ...listenHosts,
    hostname(),
    await fqdn(),
    ...interfaceAddresses(),
    ...certificateNames(certificate),
  ];
  return new Set([...LOOPBACK, ...names].filter((n) => n !== "").map(nameOf));
}

/** The DNS names and IP addresses of a PEM certificate's subjectAltName. */
export function certificateNames(pem: Buffer | undefined): string[] {
  if (!pem) return [];
  const san = new X509Certificate(pem).subjectAltName ?? "";
  return san
    .split(", ")
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1] ?? "")
    .filter((name) => name !== "" && !name.includes("*"));
}

/** Whether a request with this Host header (none: not from a browser) may be answered. */
export function hostAllowed(allowed: AllowedHosts, header: string | undefined): boolean {
  if (allowed === "*" || header === undefined) return true;
  return allowed.has(hostOfHeader(header));
}

async function fqdn(): Promise<string> {
  try {
    return (await promisify(execFile)("hostname", ["--fqdn"], { timeout: 2_000 })).stdout.trim();
  } catch {
    return ""; // no `hostname` binary or no resolvable name: the short name is in the list anyway
  }
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}
