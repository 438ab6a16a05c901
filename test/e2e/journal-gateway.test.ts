// Another machine's journal through a real systemd-journal-gatewayd: a collector that reads no
// journal of its own (--no-journal) follows two gatewayds serving this machine's journal, one
// by URL (the host is the entries' _HOSTNAME) and one as NAME=URL. Lines keep their identifier,
// priority and unit under the remote host; a collector killed and restarted, or a gateway
// stopped and started again, loses no line and stores none twice.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "../../protocol/api/logs.ts";
import { sendFromCgroup } from "../helpers/journal-as-unit.ts";
import { catLines, type Gatewayd, logFields, startGatewayd } from "../helpers/journal-gateway.ts";
import { type FleetscopeProcess, getJson, startCollector, tempDir, useAggregator } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

type Line = LogLine & { attributes: Record<string, string> };

describe("journal-gateway", () => {
  const agg = useAggregator("journal-gateway");
  const id = randomBytes(3).toString("hex");
  const named = `gw-named-${id}`;
  const remote = hostname(); // gatewayd serves this machine's journal: its _HOSTNAME
  let byUrl: Gatewayd | undefined;
  let byName: Gatewayd | undefined;
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  let collector: FleetscopeProcess | undefined;

  const startFollowing = async () => {
    if (!byUrl || !byName || !dir) throw new Error("not set up");
    collector = await startCollector(agg.url, join(dir.path, "spool"), [
      ...["--host-name", `gw-collector-${id}`, "--no-journal", "--metrics-listen", "off"],
      ...["--journal-gateway", `${byUrl.url},${named}=${byName.url}`, "--journal-gateway-since", "now"],
    ]);
  };

  beforeAll(async () => {
    byUrl = await startGatewayd();
    byName = await startGatewayd();
    dir = await tempDir("journal-gateway");
    await startFollowing();
  });
  afterAll(async () => {
    await collector?.stop();
    await byUrl?.stop();
    await byName?.stop();
    await dir?.remove();
  });

  /** Stored lines of one identifier, oldest first. */
  const linesOf = async (identifier: string): Promise<Line[]> =>
    (
      await getJson<{ logs: Line[] }>(agg.url, `/api/v1/logs?identifier=${identifier}&since=30m&limit=10000`)
    ).logs.reverse();

  const waitForLines = (identifier: string, n: number) =>
    waitFor(`${n} lines of ${identifier}`, async () => {
      const lines = await linesOf(identifier);
      return lines.length >= n ? lines : undefined;
    });

  it("stores the remote entries under the remote host, with identifier, priority and unit", async () => {
    const tag = `fs-gw-${id}`;
    await logFields({
      MESSAGE: `gateway marker ${id}`,
      SYSLOG_IDENTIFIER: tag,
      PRIORITY: "3",
      CONTAINER_NAME: "forged",
      IMAGE_NAME: "forged:latest",
    });
    const unit = `fs-gw-${id}.service`;
    await sendFromCgroup(`/system.slice/${unit}`, {
      MESSAGE: `gateway unit line ${id}`,
      SYSLOG_IDENTIFIER: `${tag}-unit`,
      PRIORITY: "4",
    });
    const lines = await waitForLines(tag, 2);
    const unitLines = await waitForLines(`${tag}-unit`, 2);
    const view = (l: Line) => ({
      host: l.host,
      gateway: l.attributes["journal.gateway"],
      source: l.source,
      body: l.body,
      severityNumber: l.severityNumber,
      containerName: l.containerName,
      unverified: l.attributes["journal.unverified"],
    });
    const byHost = (a: Line, b: Line) => a.host.localeCompare(b.host);
    const gateways = { [remote]: byUrl?.url, [named]: byName?.url };
    expect(lines.sort(byHost).map(view)).toEqual(
      [remote, named].sort().map((host) => ({
        host,
        gateway: gateways[host],
        source: "journald",
        body: `gateway marker ${id}`,
        severityNumber: 17, // PRIORITY 3 (err)
        containerName: "", // claimed by logger, not dockerd
        unverified: "container",
      })),
    );
    expect(unitLines.sort(byHost).map((l) => [l.host, l.unit, l.severityNumber])).toEqual(
      [remote, named].sort().map((host) => [host, unit, 13]), // PRIORITY 4 (warning)
    );
  });

  it("loses no line and stores none twice across a collector kill and a gateway outage", async () => {
    const tag = `fs-gw-seq-${id}`;
    const numbered = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => `gateway line ${from + i}`);
    /** Waits for lines 1..n on both hosts and answers each host's numbers, in stored order. */
    const numbersUpTo = async (n: number) => {
      const lines = await waitForLines(tag, 2 * n);
      const of = (host: string) =>
        lines.filter((l) => l.host === host).map((l) => Number(l.body.replace("gateway line ", "")));
      return { [remote]: of(remote), [named]: of(named) };
    };
    const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

    await catLines(tag, "info", numbered(1, 20));
    expect(await numbersUpTo(20)).toEqual({ [remote]: oneToN(20), [named]: oneToN(20) });

    // Killed: it resumes from the spooled cursors, not from --journal-gateway-since now.
    await collector?.stop("SIGKILL");
    await catLines(tag, "info", numbered(21, 40));
    await startFollowing();
    expect(await numbersUpTo(40)).toEqual({ [remote]: oneToN(40), [named]: oneToN(40) });

    // The gateway down while lines are written: the collector reconnects and catches up.
    await byUrl?.stop();
    await catLines(tag, "info", numbered(41, 60));
    await byUrl?.start();
    const all = await numbersUpTo(60);
    expect([...(all[remote] ?? [])].sort((a, b) => a - b)).toEqual(oneToN(60));
    expect([...(all[named] ?? [])].sort((a, b) => a - b)).toEqual(oneToN(60));
  });
});
