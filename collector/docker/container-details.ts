// The parts of `docker inspect` an operator reaches for — command, environment, ports, mounts,
// health — written the way docker's own CLI shows them, with secret values masked before they
// leave the node and every field cut to what the aggregator accepts.
import type Docker from "dockerode";
import { CONTAINER_DETAIL_LIMITS, CONTAINER_HEALTH, type ContainerHealth } from "../../protocol/records.ts";
import { defaultScrubber, maskSecretEnv } from "../../protocol/secrets.ts";
import { truncateLine } from "../processors/truncate.ts";
import type { ContainerDetails } from "./container-info.ts";

export function containerDetails(i: Docker.ContainerInspectInfo): ContainerDetails {
  const args = i.Args ?? [];
  return boundDetails({
    command: shellJoin(defaultScrubber.argv(i.Path ? [i.Path, ...args] : args)),
    env: (i.Config.Env ?? []).map(maskSecretEnv),
    ports: portsOf(i),
    mounts: mountsOf(i),
    health: healthOf(i),
  });
}

/** Characters a POSIX shell reads literally (as Python's shlex.quote decides). */
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;

/** Words joined by spaces, each single-quoted unless plain, so the line can be pasted into a shell. */
export function shellJoin(words: string[]): string {
  return words.map((w) => (PLAIN_WORD.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(" ");
}

type Bindings = Record<string, { HostIp?: string; HostPort?: string }[] | null>;

/**
 * Published ports as `docker ps` shows them ("127.0.0.1:8080->80/tcp"), and ports exposed but
 * not published as "80/tcp", in port order.
 */
function portsOf(i: Docker.ContainerInspectInfo): string[] {
  const live: Bindings = i.NetworkSettings?.Ports ?? {};
  // Docker clears the live bindings once a container stops; its configuration still says what
  // it publishes (a binding to a random host port then has no port to show).
  const bindings: Bindings =
    Object.keys(live).length > 0 ? live : ((i.HostConfig.PortBindings ?? {}) as Bindings);
  const ports = new Set([...Object.keys(i.Config.ExposedPorts ?? {}), ...Object.keys(bindings)]);
  const out = new Set<string>();
  for (const port of [...ports].sort(
    (a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || (a < b ? -1 : 1),
  )) {
    const bound = (bindings[port] ?? []).filter((b) => b.HostPort);
    if (bound.length === 0) out.add(port);
    for (const b of bound) out.add(`${b.HostIp || "0.0.0.0"}:${b.HostPort}->${port}`);
  }
  return [...out];
}

/** Binds as "/src:/dst", volumes as "volume NAME:/dst", tmpfs as "tmpfs /dst"; " (ro)" when read-only. */
function mountsOf(i: Docker.ContainerInspectInfo): string[] {
  const out = (i.Mounts ?? []).map((m) => {
    const ro = m.RW ? "" : " (ro)";
    if (m.Type === "bind") return `${m.Source}:${m.Destination}${ro}`;
    if (m.Type === "volume") return `volume ${m.Name || m.Source}:${m.Destination}${ro}`;
    if (m.Type === "tmpfs") return `tmpfs ${m.Destination}${ro}`;
    return `${m.Type} ${m.Source}:${m.Destination}${ro}`;
  });
  // `--tmpfs` mounts appear in the host configuration only (`--mount type=tmpfs` ones in Mounts).
  for (const [dst, options] of Object.entries(i.HostConfig.Tmpfs ?? {}))
    out.push(`tmpfs ${dst}${options ? ` (${options})` : ""}`);
  return out;
}

function healthOf(i: Docker.ContainerInspectInfo): ContainerHealth {
  const status = i.State.Health?.Status ?? "";
  return CONTAINER_HEALTH.find((h) => h === status) ?? "";
}

/**
 * Cuts each field to CONTAINER_DETAIL_LIMITS, which ingest enforces: a record past them would be
 * rejected whole, and the container's inventory lost with it. A cut list ends with how many
 * entries were left out; a cut string ends with the truncation marker.
 */
export function boundDetails(d: ContainerDetails): ContainerDetails {
  const { commandChars, maxEntries, entryChars } = CONTAINER_DETAIL_LIMITS;
  const list = (entries: string[]) => {
    const kept =
      entries.length > maxEntries
        ? [...entries.slice(0, maxEntries - 1), `… ${entries.length - maxEntries + 1} more not kept`]
        : entries;
    // Bytes bound characters: a string of at most N UTF-8 bytes has at most N UTF-16 units.
    return kept.map((e) => truncateLine(e, entryChars).body);
  };
  return {
    command: truncateLine(d.command, commandChars).body,
    env: list(d.env),
    ports: list(d.ports),
    mounts: list(d.mounts),
    health: d.health,
  };
}
