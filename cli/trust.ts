// --ca: the CA that signed the aggregator's certificate, trusted by this process's TLS clients
// beside the bundled public ones. Process-wide on purpose: the collector's only TLS peer is its
// aggregator, and Node's fetch takes no per-request CA without a dependency.
import { readFileSync } from "node:fs";
import { getCACertificates, setDefaultCACertificates } from "node:tls";

/** Adds the PEM certificate(s) in `file` to the CAs TLS connections of this process trust. */
export function trustCa(file: string): void {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read --ca ${file}: ${(err as Error).message}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----"))
    throw new Error(`--ca ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  setDefaultCACertificates([...getCACertificates("default"), pem]);
}
