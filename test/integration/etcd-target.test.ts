// The collector's etcd client (collector/etcd/) against a real etcd: through a second endpoint
// when the first is down, a value that is no token refused (and not logged) with the last good
// one kept, a deleted key keeping its last value, and the watch taken up again after etcd restarts.
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdShipTarget } from "../../collector/etcd/etcd-target.ts";
import { type EtcdServer, startEtcd } from "../helpers/etcd.ts";
import { freePort } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

/** A target on `endpoints` with a logger whose JSON lines land in `logs`. */
function etcdTarget(endpoints: string[], keys: { aggregator?: string; token: string }) {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const target = new EtcdShipTarget({
    endpoints,
    api: "auto",
    aggregatorKey: keys.aggregator,
    aggregators: ["http://127.0.0.1:8470"],
    tokenKey: keys.token,
    tokenSource: "",
    log: pino({ level: "debug" }, sink),
  });
  return { target, logs: () => logs.join("") };
}

describe("the collector's etcd keys against a real etcd", () => {
  let etcd: EtcdServer;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  it("reads through the next endpoint, refuses a bad token unlogged and keeps the last good one, also when the key is deleted", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    await etcd.write("v3", "/t1/token", "fst_first");
    await etcd.write("v3", "/t1/aggregator", "http://10.0.0.1:8470, http://10.0.0.2:8470/");
    const { target, logs } = etcdTarget([dead, etcd.url], {
      aggregator: "/t1/aggregator",
      token: "/t1/token",
    });
    target.start();
    try {
      await target.known(AbortSignal.timeout(30_000));
      expect(target.aggregators()).toEqual(["http://10.0.0.1:8470", "http://10.0.0.2:8470"]);
      expect(target.token()).toBe("fst_first");

      await etcd.write("v3", "/t1/token", "not a-token");
      await waitFor("the bad value refused", () => logs().includes("does not hold the ingest token"));
      expect(target.token()).toBe("fst_first");
      expect(logs()).not.toContain("not a-token");

      await etcd.remove("v3", "/t1/token");
      await waitFor("the deletion noticed", () => logs().includes("was deleted or emptied"));
      expect(target.token()).toBe("fst_first");

      await etcd.write("v3", "/t1/token", "fst_second");
      await waitFor("the new token taken", () => target.token() === "fst_second");
      expect(logs()).not.toMatch(/fst_first|fst_second/);
    } finally {
      await target.stop();
    }
  });

  it("takes up the watch again after etcd restarts (v2 key), and tells a change to its listeners", async () => {
    await etcd.write("v2", "/t2/token", "fst_before");
    const { target, logs } = etcdTarget([etcd.url], { token: "/t2/token" });
    let changes = 0;
    target.onChange(() => changes++);
    target.start();
    try {
      await target.known(AbortSignal.timeout(30_000));
      expect(target.token()).toBe("fst_before");
      await etcd.restart();
      await etcd.write("v2", "/t2/token", "fst_after");
      await waitFor("the change after the restart", () => target.token() === "fst_after");
      expect(changes).toBe(2);
      // The broken watch was retried, not given up.
      expect(logs()).toContain("cannot follow etcd key /t2/token");
      expect(logs()).toContain("etcd answers again");
      expect(logs()).toContain('"api":"v2"');
    } finally {
      await target.stop();
    }
  });
});
