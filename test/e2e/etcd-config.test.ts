// The collector takes the aggregator's URL and its ingest token from etcd keys, written with the
// real etcdctl through etcd's v3 API (`etcdctl put`) and its v2 API (`etcdctl set`, the CoreOS
// way): it waits while the keys are unset (spooling what it reads), ships once they are, and when
// both keys change to a second aggregator it follows without a restart, losing nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EtcdApi, type EtcdServer, startEtcd } from "../helpers/etcd.ts";
import { range, sendMarkedLines, storedMarkers } from "../helpers/marked-lines.ts";
import { spooledBatches } from "../helpers/spool.ts";
import {
  fleetscope,
  freePort,
  ingestTokenFor,
  TEST_COLLECTOR_FLAGS,
  tempDir,
  useAggregator,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const AGGREGATOR_KEY = "/fleetscope/aggregator";
const TOKEN_KEY = "/fleetscope/token";
const N = 300;

describe.each<{ api: EtcdApi; flags: string[] }>([
  { api: "v3", flags: ["--etcd-api", "v3"] },
  // auto (the default): the key is found in the v2 store, where `etcdctl set` left it.
  { api: "v2", flags: [] },
])("the aggregator and token from etcd keys written through its $api API", ({ api, flags }) => {
  const first = useAggregator(`etcd-${api}-first`);
  const second = useAggregator(`etcd-${api}-second`);
  let etcd: EtcdServer | undefined;
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  beforeAll(async () => {
    etcd = await startEtcd();
    dir = await tempDir(`etcd-${api}`);
  });
  afterAll(async () => {
    await etcd?.stop();
    await dir?.remove();
  });

  it("waits for the keys, ships where they say, and follows their change without a restart", async () => {
    const server = etcd as EtcdServer;
    const spool = `${dir?.path}/spool`;
    const syslogPort = await freePort();
    const marker = `etcd-${api}-${syslogPort}`;
    const collector = fleetscope([
      "collector",
      "--spool",
      spool,
      ...TEST_COLLECTOR_FLAGS,
      "--no-journal",
      "--metrics-listen",
      "off",
      "--syslog-listen",
      `127.0.0.1:${syslogPort}`,
      "--etcd",
      server.url,
      "--aggregator-from-etcd",
      AGGREGATOR_KEY,
      "--token-from-etcd",
      TOKEN_KEY,
      ...flags,
      // The changes it follows are logged at info.
      "--log-level",
      "info",
    ]);
    try {
      await collector.ready("shipping to");
      await waitFor("the collector to say which key it waits for", () =>
        collector.stderr.includes(`waiting for etcd key ${AGGREGATOR_KEY}`),
      );
      // Read while nowhere to ship: spooled, not lost.
      await sendMarkedLines(syslogPort, marker, 1, N);
      await waitFor("the lines spooled", async () => (await spooledBatches(spool)) > 0);

      const firstToken = await ingestTokenFor(first.url);
      await server.write(api, TOKEN_KEY, firstToken);
      await server.write(api, AGGREGATOR_KEY, first.url);
      await waitFor(
        "every line at the first aggregator",
        async () => (await storedMarkers(first.url, marker)).length >= N,
      );

      const secondToken = await ingestTokenFor(second.url);
      await server.write(api, TOKEN_KEY, secondToken);
      await server.write(api, AGGREGATOR_KEY, second.url);
      await waitFor("the collector to follow both keys", () =>
        [
          `aggregator URL(s) changed in etcd key ${AGGREGATOR_KEY}`,
          `ingest token changed in etcd key ${TOKEN_KEY}`,
        ].every((said) => collector.stderr.includes(said)),
      );
      await sendMarkedLines(syslogPort, marker, N + 1, 2 * N);
      await waitFor(
        "the second half at the second aggregator",
        async () => (await storedMarkers(second.url, marker)).length >= N,
      );
      await waitFor("the spool drained", async () => (await spooledBatches(spool)) === 0);

      // Each line once, in the aggregator the keys named when it was read.
      expect(await storedMarkers(first.url, marker)).toEqual(range(1, N));
      expect(await storedMarkers(second.url, marker)).toEqual(range(N + 1, 2 * N));
      expect(collector.child.exitCode).toBeNull();
      // The token is never logged.
      for (const token of [firstToken, secondToken])
        expect(collector.stderr + collector.stdout).not.toContain(token);
    } finally {
      await collector.stop();
    }
  });
});
