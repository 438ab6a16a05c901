// Three hosts, one aggregator. Each host is a collector container from the fleetscope image with
// the fleet unit's mounts and privileges, a Docker engine of its own (an extra dockerd), a journal
// of its own (written by systemd-journal-remote, under its own machine id), its own network
// namespace, spool and receivers. They ship over HTTPS to one aggregator on the docker0 address.
// Each host's containers, logs, journal and receiver lines arrive under its own name; `fleetscope
// top`'s Hosts view lists the three with their lag; the same failing image on two of them is one
// fleet incident; a host whose collector is killed turns stale in the Hosts view.
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerDetail } from "../../protocol/api/containers.ts";
import {
  HOST_LATE_SECONDS,
  HOST_STALE_SECONDS,
  type HostOverview,
  type HostRow,
} from "../../protocol/api/hosts.ts";
import type { IncidentRow } from "../../protocol/api/incidents.ts";
import type { LogLine } from "../../protocol/api/logs.ts";
import { createToken, getJson } from "../helpers/api.ts";
import { runCli } from "../helpers/cli.ts";
import { FLEET_COLLECTOR_OWN, fleetCollectorRun } from "../helpers/deploy.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { type ExtraEngine, startExtraEngine } from "../helpers/extra-engine.ts";
import { type HostJournal, writeHostJournal } from "../helpers/host-journal.ts";
import { ensureImage } from "../helpers/image.ts";
import { makePki, type Pki, trustInTests } from "../helpers/network.ts";
import { type FleetscopeProcess, freePort, REPO, startAggregator, tempDir } from "../helpers/stack.ts";
import { Tmux } from "../helpers/tmux.ts";
import { waitFor } from "../helpers/wait.ts";

/** A name in the test certificate (helpers/network.ts makePki), resolved in each collector to docker0's address. */
const AGGREGATOR_NAME = "aggregator.fleet.test";
/** The same failing image, tagged in the engines of two hosts. */
const FAILING_IMAGE = "fleetscope-crashy:1";
/** A host is stale (the Hosts view dims it and turns its SEEN red) once its last heartbeat is older. */
const STALE_AFTER_S = HOST_STALE_SECONDS;
/** A live collector's lag stays under two heartbeat intervals: it misses none. */
const LIVE_LAG_S = HOST_LATE_SECONDS;
/** The SEEN column's width in tui/views/hosts.ts. */
const SEEN_WIDTH = 7;

/** What one simulated host's collector is run with. */
interface HostParts {
  /** Its directory: the unit's own directories (settings, spool) and its journal. */
  dir: string;
  engine: ExtraEngine;
  journal: HostJournal;
}

interface SimHost {
  name: string;
  engine: ExtraEngine;
  journal: HostJournal;
  /** The collector's container, on the main engine. */
  collector: string;
  /** From `docker run` of the collector to its first heartbeat stored. */
  startupMs: number;
}

/** Waits for every promise, then throws the first failure: nothing is left running unrecorded. */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/**
 * Whether `text` is drawn dimmed in one line of `capture-pane -e` output: SGR 2 turns dim on, 0
 * (or an empty SGR) and 22 turn it off; the colour forms 38/48;5;n and 38/48;2;r;g;b are skipped.
 */
function dimWhere(line: string, text: string): boolean {
  let dim = false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: reading escape sequences is the point
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: reading escape sequences is the point
    const sgr = /^\x1b\[([0-9;]*)m$/.exec(part);
    if (!sgr) {
      if (part.includes(text)) return dim;
      continue;
    }
    const params = (sgr[1] ?? "").split(";").map(Number);
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      if (p === 0) dim = false;
      else if (p === 2) dim = true;
      else if (p === 22) dim = false;
      else if (p === 38 || p === 48) i += params[i + 1] === 5 ? 2 : 4;
    }
  }
  return false;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const words = (host: string) => ({
  web: `${host}: web container says hello`,
  journal: `${host}: journal entry from its own machine`,
  syslog: `${host}: syslog line to its own receiver`,
});

describe("three hosts, one aggregator", () => {
  const names = ["host-a", "host-b", "host-c"];
  const collectors = names.map((n) => uniqueName(`collector-${n}`));
  const hosts: SimHost[] = [];
  const engines: ExtraEngine[] = [];
  const term = new Tmux();
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  let aggregator: FleetscopeProcess | undefined;
  let url = "";
  let bridge = "";
  let pki: Pki;
  /** What set-up started in parallel: awaited before cleaning up, so nothing starts after it. */
  const starting: Promise<unknown>[] = [];
  /** Measured times, printed at the end. */
  const timings: string[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    dir = await tempDir("three-hosts");
    const image = ensureImage("collector"); // built (or found up to date) meanwhile
    const engineStarts = settleAll(names.map(async () => engines.push(await startExtraEngine())));
    starting.push(image, engineStarts);
    pki = await makePki(dir.path);
    await trustInTests(pki.ca);
    const [apiPort, ingestPort] = [await freePort(), await freePort()];
    // docker0's address: the main engine's containers reach this machine there.
    bridge = await bridgeGateway();
    const tls = ["--tls-cert", pki.serverCert, "--tls-key", pki.serverKey];
    aggregator = await startAggregator(
      join(dir.path, "aggregator"),
      apiPort,
      ["--ingest-listen", `${bridge}:${ingestPort}`, ...tls],
      "https",
    );
    url = `https://127.0.0.1:${apiPort}`;
    const ingestUrl = `https://${AGGREGATOR_NAME}:${ingestPort}`;
    await engineStarts;
    const [tag, t1] = [await image, Date.now()];
    await settleAll(
      names.map(async (name, i) =>
        hosts.push(await startHost(name, engines[i] as ExtraEngine, tag, ingestUrl, collectors[i] as string)),
      ),
    );
    hosts.sort((a, b) => a.name.localeCompare(b.name));
    await settleAll(hosts.map(runWorkload));
    timings.push(
      `set-up ${secs(Date.now() - t0)} (engines, aggregator, image: ${secs(t1 - t0)})`,
      `collector start to first heartbeat: ${hosts.map((h) => `${h.name} ${secs(h.startupMs)}`).join(", ")}`,
    );
  });

  afterAll(async () => {
    console.log(`three hosts: ${timings.join("; ")}`);
    await Promise.allSettled(starting);
    await term.kill();
    await removeContainers(...collectors);
    for (const engine of engines) await engine.stop();
    await aggregator?.stop();
    await dir?.remove();
  });

  /** A host: its journal, token and CA under /etc/fleetscope, and its collector container. */
  async function startHost(
    name: string,
    engine: ExtraEngine,
    image: string,
    ingestUrl: string,
    collector: string,
  ): Promise<SimHost> {
    const hostDir = join((dir as { path: string }).path, name);
    const journal = await writeHostJournal(hostDir, name, [
      { message: words(name).journal, identifier: "fleet-test", priority: 5 },
    ]);
    const run = hostCollectorRun(name, collector, { dir: hostDir, engine, journal }, ingestUrl);
    const { etc } = run.own;
    await mkdir(etc, { recursive: true });
    await copyFile(pki.ca, join(etc, "ca.pem"));
    const { secret } = await createToken(url, { name: `collector of ${name}`, role: "ingest" });
    await writeFile(join(etc, "ingest.token"), `${secret}\n`, { mode: 0o600 });
    const started = Date.now();
    await docker("run", "--detach", ...run.options, image, ...run.command);
    await waitFor(`${name}'s first heartbeat`, async () => {
      const state = await docker("inspect", "--format", "{{.State.Status}}", collector);
      if (state !== "running")
        throw new Error(`${name}'s collector is ${state}:\n${await docker("logs", collector)}`);
      const { hosts: seen } = await getJson<{ hosts: HostRow[] }>(url, "/api/v1/hosts");
      return seen.some((h) => h.host === name);
    });
    return { name, engine, journal, collector, startupMs: Date.now() - started };
  }

  /**
   * The fleet unit's `docker run` (test/helpers/deploy.ts fleetCollectorRun: its own directories
   * under `hostDir`), changed only in what makes a host: its own network namespace (default bridge,
   * the aggregator by name at docker0's address) instead of the machine's, its engine's socket and
   * containers directory (at the path its LogPath names), its journal and machine id; then its
   * aggregator, CA and token named directly instead of read from etcd.
   */
  function hostCollectorRun(name: string, collector: string, host: HostParts, ingestUrl: string) {
    const run = fleetCollectorRun(collector, host.dir, name);
    // Container path → this host's source, or undefined: not mounted.
    const sources: Record<string, string | undefined> = {
      "/var/run/docker.sock": host.engine.socket,
      "/var/lib/docker": undefined,
      "/run/log/journal": undefined,
      "/var/log/journal": host.journal.journalDir,
      "/etc/machine-id": host.journal.machineIdFile,
    };
    const options = run.options.flatMap((option) => {
      if (option === "--network=host") return [`--add-host=${AGGREGATOR_NAME}:${bridge}`];
      const mount = /^--volume=[^:]+:([^:]+)(:.*)?$/.exec(option);
      if (!mount || !((mount[1] as string) in sources)) return [option];
      const source = sources[mount[1] as string];
      return source ? [`--volume=${source}:${mount[1]}${mount[2] ?? ""}`] : [];
    });
    options.push(`--volume=${host.engine.containersDir}:${host.engine.containersDir}:ro`);
    const command = [
      ...run.command,
      `--aggregator=${ingestUrl}`,
      `--ca=${FLEET_COLLECTOR_OWN.ETC}/ca.pem`,
      `--token-file=${FLEET_COLLECTOR_OWN.ETC}/ingest.token`,
      // Quick samples for the test; the journal is read whole (it holds only this host's entries).
      "--stats-interval=1s",
      "--log-level=warn",
    ];
    return { options, command, own: run.own };
  }

  /** A `web` container on every host; the failing image on the first two; a line to each receiver. */
  async function runWorkload(host: SimHost): Promise<void> {
    const { engine } = host;
    await engine.docker(
      "run",
      "--detach",
      "--network=none",
      "--name=web",
      BUSYBOX,
      "sh",
      "-c",
      `echo '${words(host.name).web}'; exec sleep 600`,
    );
    if (host.name !== "host-c") {
      await engine.docker("tag", BUSYBOX, FAILING_IMAGE);
      await engine
        .docker(
          "run",
          "--network=none",
          "--name=crashy",
          FAILING_IMAGE,
          "sh",
          "-c",
          "echo bad config; exit 3",
        )
        .catch(() => undefined); // docker run exits 3 with the container
    }
    // From inside the collector's network namespace: its receiver is its own loopback's.
    await docker(
      "run",
      "--rm",
      `--network=container:${host.collector}`,
      BUSYBOX,
      "sh",
      "-c",
      `printf '<14>1 - probe probe 1 - - %s\\n' '${words(host.name).syslog}' | nc -w 5 127.0.0.1 5514`,
    );
  }

  const byName = (name: string) => hosts.find((h) => h.name === name) as SimHost;

  it("stores each host's containers, container logs, journal and receiver lines under its own name", async () => {
    for (const host of hosts) {
      // Exactly the containers of the host's own engine, ids and all.
      const engineIds = (await host.engine.docker("ps", "-aq", "--no-trunc")).split("\n").sort();
      const stored = await waitFor(`${host.name}'s containers in the inventory`, async () => {
        const { containers } = await getJson<{ containers: ContainerDetail[] }>(
          url,
          `/api/v1/containers?host=${host.name}`,
        );
        const ids = containers.map((c) => c.id).sort();
        if (ids.join() !== engineIds.join())
          throw new Error(`stored ${ids.join(", ") || "none"}; its engine has ${engineIds.join(", ")}`);
        return containers;
      });
      expect(stored.map((c) => c.name).sort()).toEqual(host.name === "host-c" ? ["web"] : ["crashy", "web"]);

      const lines = await waitFor(
        `the web container's line, the journal entry and the syslog line of ${host.name}`,
        async () => {
          const { logs } = await getJson<{ logs: LogLine[] }>(
            url,
            `/api/v1/logs?host=${host.name}&limit=1000`,
          );
          const missing = Object.values(words(host.name)).filter((w) => !logs.some((l) => l.body === w));
          if (missing.length) throw new Error(`not stored yet: ${missing.join(" | ")}`);
          return logs;
        },
      );
      const w = words(host.name);
      expect(lines.find((l) => l.body === w.web)).toMatchObject({
        source: "docker-json",
        containerName: "web",
      });
      expect(lines.find((l) => l.body === w.journal)).toMatchObject({
        source: "journald",
        attributes: expect.objectContaining({ "journal.hostname": host.name }),
      });
      expect(lines.find((l) => l.body === w.syslog)).toMatchObject({ source: "syslog" });

      const { hosts: rows } = await getJson<{ hosts: HostRow[] }>(url, `/api/v1/hosts?host=${host.name}`);
      expect(rows.map((r) => r.machineId)).toEqual([host.journal.machineId]);
    }
    // No host's words were stored under another host's name.
    const { logs } = await getJson<{ logs: LogLine[] }>(url, "/api/v1/logs?q=host&limit=10000");
    for (const line of logs.filter((l) => /^host-[abc]: /.test(l.body)))
      expect(line.body.startsWith(`${line.host}: `), `${line.host} stored "${line.body}"`).toBe(true);
    // Each web container was sampled from its cgroup, under its host's name.
    for (const host of hosts)
      await waitFor(`samples of ${host.name}'s web container`, async () => {
        const { samples } = await getJson<{ samples: { memoryUsageBytes: number }[] }>(
          url,
          `/api/v1/containers/web/samples?host=${host.name}`,
        );
        return samples.some((s) => s.memoryUsageBytes > 0);
      });
  });

  it("fleetscope top's Hosts view lists all three hosts with their lag", async () => {
    await term.start(120, 30);
    await term.until(/^\$/m);
    await term.type(
      `NODE_EXTRA_CA_CERTS=${pki.ca} ${process.execPath} ${REPO}/cli/fleetscope.ts top --url ${url} --data ${join((dir as { path: string }).path, "aggregator")} --interval 1s`,
    );
    await term.press("Enter");
    await term.until(/ containers\s*$/m);
    await term.press("F2");
    const picker = await term.until(/^ +\d+ +hosts /m);
    await term.type(/^ +(\d+) +hosts /m.exec(picker)?.[1] as string);
    const screen = await term.until(/ hosts\s*$/m);
    expect(screen).toMatch(/HOST.*SEEN/);
    // The SEEN column: time since each host's last heartbeat; a live collector misses none.
    const seen = seenColumn(await term.until(new RegExp(`^.${names.at(-1)} `, "m")));
    for (const name of names)
      expect(seenSeconds(seen[name]), `${name}: ${seen[name]}`).toBeLessThan(LIVE_LAG_S);
    expect(await dimmedRows()).toEqual([]);
  });

  it(`links ${FAILING_IMAGE} failing on host-a and host-b into one fleet incident`, async () => {
    const fleet = await waitFor("a fleet incident over host-a and host-b", async () => {
      const { incidents } = await getJson<{ incidents: IncidentRow[] }>(url, "/api/v1/incidents?kind=fleet");
      return incidents.find((i) => i.image === FAILING_IMAGE && i.count === 2);
    });
    const evidence = fleet.evidence as { hosts: string[]; incidents: { id: string; host: string }[] };
    expect(evidence.hosts).toEqual(["host-a", "host-b"]);
    const linked = evidence.incidents;
    expect(linked.map((l) => l.host).sort()).toEqual(["host-a", "host-b"]);
    for (const l of linked) {
      const one = await getJson<IncidentRow>(url, `/api/v1/incidents/${l.id}`);
      expect(one).toMatchObject({ host: l.host, image: FAILING_IMAGE, containerName: "crashy" });
    }
    // As a person sees it.
    const cli = await runCli(["incidents", "--url", url, "--kind", "fleet"], { NODE_EXTRA_CA_CERTS: pki.ca });
    expect(cli.stderr).toBe("");
    expect(cli.stdout).toContain(`${FAILING_IMAGE} is failing on 2 hosts: host-a, host-b`);
  });

  it(`shows a host whose collector is killed as stale (dimmed, SEEN over ${STALE_AFTER_S} s) within ${STALE_AFTER_S} s of the kill`, async () => {
    const killed = byName("host-c");
    await docker("kill", killed.collector);
    const killedAt = Date.now();
    await waitFor("host-c dimmed in the Hosts view", async () => (await dimmedRows()).includes("host-c"), {
      timeoutMs: (STALE_AFTER_S + 15) * 1000,
      intervalMs: 500,
    });
    const dimmedAt = Date.now();
    // Its last heartbeat stored, before the kill (a batch in flight then has long landed).
    const { hosts: rows } = await getJson<{ hosts: HostRow[] }>(url, "/api/v1/hosts?host=host-c");
    const lastSeen = Date.parse(rows[0]?.lastSeen ?? "");
    expect(lastSeen).toBeLessThanOrEqual(killedAt);
    // Not before the threshold, and then within the view's refresh (1 s) and this poll.
    expect((dimmedAt - lastSeen) / 1000).toBeGreaterThanOrEqual(STALE_AFTER_S);
    expect((dimmedAt - killedAt) / 1000).toBeLessThanOrEqual(STALE_AFTER_S + 5);
    expect(await dimmedRows()).toEqual(["host-c"]);
    const seen = seenColumn(await term.screen());
    expect(seenSeconds(seen["host-c"])).toBeGreaterThanOrEqual(STALE_AFTER_S);
    for (const live of ["host-a", "host-b"]) expect(seenSeconds(seen[live])).toBeLessThan(LIVE_LAG_S);
    const { hosts: overview } = await getJson<{ hosts: HostOverview[] }>(url, "/api/v1/overview/hosts");
    const lag = Object.fromEntries(overview.map((h) => [h.host, h.lagSeconds]));
    expect(lag["host-c"]).toBeGreaterThan(STALE_AFTER_S);
    for (const live of ["host-a", "host-b"]) expect(lag[live]).toBeLessThan(LIVE_LAG_S);
    // The API says it too, for any client: stale is the view's dimming, not the TUI's own rule.
    expect(overview.filter((h) => h.stale).map((h) => h.host)).toEqual(["host-c"]);
    timings.push(
      `host-c stale ${secs(dimmedAt - killedAt)} after its collector was killed, ${secs(dimmedAt - lastSeen)} after its last heartbeat`,
    );
  });

  /** Each host row's SEEN cell, read under the column's title (its cells are right-aligned to it). */
  function seenColumn(screen: string): Record<string, string> {
    const lines = screen.split("\n");
    const header = lines.find((l) => /HOST.*SEEN/.test(l)) ?? "";
    const end = header.indexOf("SEEN") + "SEEN".length;
    const cells: Record<string, string> = {};
    for (const name of names) {
      const row = lines.find((l) => l.slice(1).startsWith(`${name} `));
      if (row) cells[name] = row.slice(end - SEEN_WIDTH, end).trim();
    }
    return cells;
  }

  /** A SEEN cell (client/format.ts duration: 42s, 2m05s) in seconds; NaN for anything else. */
  function seenSeconds(cell: string | undefined): number {
    const m = /^(?:(\d+)m)?(\d+)s$/.exec(cell ?? "");
    return m ? Number(m[1] ?? 0) * 60 + Number(m[2]) : Number.NaN;
  }

  /** The host names of the Hosts view's rows drawn dimmed (SGR 2). */
  async function dimmedRows(): Promise<string[]> {
    const rows = (await term.screen(true)).split("\n");
    return names.filter((n) => rows.some((row) => dimWhere(row, `${n} `)));
  }
});

/**
 * The default bridge's gateway, where the hosts' containers reach the aggregator. A dockerd started
 * where docker0 was left from an earlier one reports none in its IPAM config; docker0's own address
 * is the gateway then.
 */
async function bridgeGateway(): Promise<string> {
  const gateway = await docker(
    "network",
    "inspect",
    "bridge",
    "--format",
    "{{range .IPAM.Config}}{{.Gateway}}{{end}}",
  );
  if (gateway !== "") return gateway;
  const docker0 = networkInterfaces().docker0?.find((a) => a.family === "IPv4")?.address;
  if (!docker0) throw new Error("the default bridge names no gateway and docker0 has no IPv4 address");
  return docker0;
}
