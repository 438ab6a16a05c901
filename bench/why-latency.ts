// `why` against a big store, and how soon an incident follows a death — each beside a reference
// measured in the same run, and (with --before) the code before a change beside this checkout's:
//   - GET /api/v1/why (p50/p95) over a store of --logs log rows and --samples samples spread over
//     1000 containers on 10 hosts, beside GET /api/v1/logs?container=…&limit=50 (one of the
//     queries `why` makes) on the same store;
//   - the delay from a container's death to its OOM incident being visible, beside the delay
//     until its die event is queryable, on a live `fleetscope up`.
// Both sides get the same store contents (filled once and copied when the other checkout's
// migrations are all among this one's, else filled apart the same way), and their calls alternate. Writes its section of
// BENCHMARKS.md.
//
//   node bench/why-latency.ts [--logs 10000000] [--samples 1000000] [--calls 40] [--deaths 5] [--before DIR]
import { execFile } from "node:child_process";
import { cp, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { pino } from "pino";
import { rememberToken } from "../test/helpers/api.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../test/helpers/docker.ts";
import {
  adminToken,
  CLI,
  cliOf,
  type FleetscopeProcess,
  fleetscope,
  freePort,
  getJson,
  REPO,
  startAggregator,
  TEST_COLLECTOR_FLAGS,
  tempDir,
} from "../test/helpers/stack.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { fmt, percentile, wholeArg, writeBenchSection } from "./lib/report.ts";

const { values } = parseArgs({
  options: {
    logs: { type: "string", default: "10000000" },
    samples: { type: "string", default: "1000000" },
    calls: { type: "string", default: "40" },
    deaths: { type: "string", default: "5" },
    before: { type: "string" },
    // Internal: fill the store at --fill with the Store of checkout --checkout (a child process:
    // one process may open only one chDB directory), its times relative to --now.
    fill: { type: "string" },
    checkout: { type: "string", default: REPO },
    now: { type: "string" },
  },
});
const LOGS = wholeArg("logs", values.logs);
const SAMPLES = wholeArg("samples", values.samples);
const CALLS = wholeArg("calls", values.calls);
const DEATHS = wholeArg("deaths", values.deaths);
const CONTAINERS = 1000;
const HOSTS = 10;
const BATCH = 100_000;
const hostOf = (c: number) => `host-${c % HOSTS}`;
const idOf = (c: number) => c.toString(16).padStart(64, "0");

type Rows = Record<string, unknown>[];

/** The store's rows, in batches: log lines over 6 hours, samples every 10 s, a start and a die each. */
function* storeRows(now: number): Generator<[string, Rows]> {
  const spanMs = 6 * 3600_000;
  for (let i = 0; i < LOGS; i += BATCH)
    yield ["logs", Array.from({ length: Math.min(BATCH, LOGS - i) }, (_, k) => logRow(i + k, now, spanMs))];
  const perContainer = Math.max(1, Math.floor(SAMPLES / CONTAINERS));
  for (let i = 0; i < SAMPLES; i += BATCH)
    yield [
      "samples",
      Array.from({ length: Math.min(BATCH, SAMPLES - i) }, (_, k) => sampleRow(i + k, now, perContainer)),
    ];
  yield ["events", Array.from({ length: CONTAINERS }, (_, c) => lifeEvents(c, now)).flat()];
  yield ["containers", Array.from({ length: CONTAINERS }, (_, c) => inventoryRow(c, now))];
}

function logRow(n: number, now: number, spanMs: number) {
  const c = n % CONTAINERS;
  return {
    time: new Date(now - spanMs + Math.floor((n / LOGS) * spanMs)).toISOString(),
    host: hostOf(c),
    source: "docker-json",
    container_id: idOf(c),
    container_name: `c-${c}`,
    image: `app:${c % 7}`,
    stream: n % 5 === 0 ? "stderr" : "stdout",
    severity_number: 0,
    body: `request ${n} served in ${n % 97} ms path=/api/items/${n % 1000}`,
    attributes: {},
    seq: n,
  };
}

function sampleRow(n: number, now: number, perContainer: number) {
  const c = n % CONTAINERS;
  const step = Math.floor(n / CONTAINERS);
  return {
    time: new Date(now - (perContainer - step) * 10_000).toISOString(),
    host: hostOf(c),
    container_id: idOf(c),
    container_name: `c-${c}`,
    image: `app:${c % 7}`,
    origin: "cgroup",
    cpu_usage_seconds: step,
    cpu_cores: 0.1,
    memory_usage_bytes: 1e7 + step * 1000,
    memory_working_set_bytes: 9e6 + step * 1000,
    memory_limit_bytes: 6.7e7,
    pids: 3,
  };
}

function lifeEvents(c: number, now: number) {
  const event = { host: hostOf(c), type: "container", container_id: idOf(c), container_name: `c-${c}` };
  return [
    { ...event, time: new Date(now - 3600_000).toISOString(), action: "start", image: `app:${c % 7}` },
    {
      ...event,
      time: new Date(now - 60_000).toISOString(),
      action: "die",
      image: `app:${c % 7}`,
      exit_code: 1,
    },
  ].map((e) => ({ exit_code: null, attributes: {}, ...e }));
}

function inventoryRow(c: number, now: number) {
  return {
    time: new Date(now - 60_000).toISOString(),
    host: hostOf(c),
    container_id: idOf(c),
    container_name: `c-${c}`,
    image: `app:${c % 7}`,
    state: "exited",
    exit_code: 1,
    memory_limit_bytes: 6.7e7,
  };
}

/** The --fill mode: fills the store at `dir` with `checkout`'s Store (its migrations). */
async function fillHere(dir: string, checkout: string, now: number): Promise<void> {
  const { Store } = (await import(
    join(checkout, "aggregator/store/store.ts")
  )) as typeof import("../aggregator/store/store.ts");
  const store = await Store.open({ dataDir: dir, retentionDays: 30, log: pino({ level: "silent" }) });
  for (const [table, rows] of storeRows(now))
    await store.client.insert({
      table,
      values: rows,
      format: "JSONEachRow",
      clickhouse_settings: { date_time_input_format: "best_effort" },
    });
  await store.close();
}

const run = promisify(execFile);

/** Fills `dir` with `checkout`'s Store in a child process; seconds taken. */
async function fill(dir: string, checkout: string, now: number): Promise<number> {
  const t0 = performance.now();
  const args = ["--logs", String(LOGS), "--samples", String(SAMPLES), "--fill", dir, "--checkout", checkout];
  await run(process.execPath, [fileURLToPath(import.meta.url), ...args, "--now", String(now)], {
    maxBuffer: 1 << 24,
  });
  return (performance.now() - t0) / 1000;
}

/**
 * Every migration of `older` is one of `newer`'s, unchanged: a store `newer` made is one `older`
 * opens as it is (it skips the versions it does not know), so one filled store can be copied.
 */
async function migrationsWithin(older: string, newer: string): Promise<boolean> {
  const texts = async (checkout: string) => {
    const dir = join(checkout, "aggregator/store/migrations");
    const names = (await readdir(dir)).filter((n) => /^\d+-/.test(n)); // the numbered migrations
    return new Map(
      await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n), "utf8")] as const)),
    );
  };
  const [a, b] = await Promise.all([texts(older), texts(newer)]);
  return [...a].every(([name, text]) => b.get(name) === text);
}

interface Side {
  name: "before" | "after";
  cli: string;
  checkout: string;
}

async function timed(url: string, path: string): Promise<number> {
  const t0 = performance.now();
  await getJson(url, path);
  return performance.now() - t0;
}

/** why and the logs reference on each side's aggregator, calls alternating between the sides. */
async function queryLatencies(sides: Side[], dataDirs: Map<Side, string>) {
  const aggs = new Map<Side, { proc: FleetscopeProcess; url: string }>();
  const out = new Map(sides.map((s) => [s, { why: [] as number[], logs: [] as number[] }]));
  try {
    for (const side of sides) {
      const port = await freePort();
      const proc = await startAggregator(dataDirs.get(side) as string, port, [], "http", side.cli);
      aggs.set(side, { proc, url: `http://127.0.0.1:${port}` });
    }
    for (let i = 0; i < CALLS + 5; i++) {
      const c = `c-${(i * 37) % CONTAINERS}`;
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const { url } = aggs.get(side) as { url: string };
        const w = await timed(url, `/api/v1/why?container=${c}&lines=50`);
        const l = await timed(url, `/api/v1/logs?container=${c}&limit=50&since=7h`);
        if (i < 5) continue; // the first calls warm caches
        out.get(side)?.why.push(w);
        out.get(side)?.logs.push(l);
      }
    }
  } finally {
    for (const { proc } of aggs.values()) await proc.stop();
  }
  return out;
}

/** `fleetscope up` of a side's checkout on a temp data dir (startUp, with the side's CLI). */
async function startSideUp(side: Side, dataDir: string) {
  const port = await freePort();
  const proc = fleetscope(
    ["up", "--data", dataDir, "--listen", `127.0.0.1:${port}`, ...TEST_COLLECTOR_FLAGS],
    {},
    side.cli,
  );
  await proc.ready("API on");
  const url = `http://127.0.0.1:${port}`;
  rememberToken(url, await adminToken(dataDir));
  return { proc, url };
}

/**
 * Deaths by OOM, each seen by every side's `up` at once (each side's collector watches the same
 * Docker): the delay from the death to its die event, and to its oom incident, on each side.
 */
async function deathToIncident(sides: Side[]) {
  const ups = new Map<Side, { proc: FleetscopeProcess; url: string; remove: () => Promise<void> }>();
  const out = new Map(sides.map((s) => [s, { toIncident: [] as number[], toEvent: [] as number[] }]));
  try {
    for (const side of sides) {
      const dir = await tempDir(`bench-why-live-${side.name}`);
      ups.set(side, { ...(await startSideUp(side, dir.path)), remove: dir.remove });
    }
    for (let i = 0; i < DEATHS; i++) {
      const name = uniqueName("bench-oom");
      // Started detached and watched from then on: waiting for `docker run` to return and asking
      // `docker inspect` when it died took ~280 ms after the death, longer than the die event
      // takes to be stored. The incident's delay is its own `updated` (when the detector wrote
      // it), so the polls, every 100 ms, only find it: polls every 20 ms from the start, 4 per
      // round, loaded each side's one-statement-at-a-time store with what they measured.
      await docker(
        "run",
        "-d",
        "--name",
        name,
        "--memory",
        "16m",
        "--memory-swap",
        "16m",
        BUSYBOX,
        "tail",
        "/dev/zero",
      );
      const seen = await Promise.all(
        sides.map(async (side) => {
          const { url } = ups.get(side) as { url: string };
          const poll = { intervalMs: 100 };
          const [event, incident] = await Promise.all([
            waitFor(
              `${side.name}: the die event`,
              async () =>
                (await getJson<{ count: number }>(url, `/api/v1/events?container=${name}&action=die`)).count >
                0,
              poll,
            ).then(() => Date.now()),
            waitFor(
              `${side.name}: the oom incident`,
              async () =>
                (
                  await getJson<{ incidents: { updated: string }[] }>(
                    url,
                    `/api/v1/incidents?container=${name}&kind=oom`,
                  )
                ).incidents[0]?.updated,
              poll,
            ).then((updated) => Date.parse(updated)),
          ]);
          return { side, event, incident };
        }),
      );
      const diedAt = Date.parse(await docker("inspect", "-f", "{{.State.FinishedAt}}", name));
      for (const { side, event, incident } of seen) {
        out.get(side)?.toEvent.push(event - diedAt);
        out.get(side)?.toIncident.push(incident - diedAt);
      }
      await removeContainers(name);
    }
  } finally {
    for (const { proc, remove } of ups.values()) {
      await proc.stop();
      await remove();
    }
  }
  return out;
}

const p = (xs: number[], q: number, digits = 0) => (xs.length ? fmt(percentile(xs, q), digits) : "–");
const ratio = (after: number[], before: number[] | undefined, q: number) =>
  before?.length ? `${fmt(percentile(after, q) / percentile(before, q), 2)}×` : "–";

function report(
  sides: Side[],
  fillNote: string,
  q: Awaited<ReturnType<typeof queryLatencies>>,
  live: Awaited<ReturnType<typeof deathToIncident>>,
): string {
  const before = sides.find((s) => s.name === "before");
  const after = sides.find((s) => s.name === "after") as Side;
  const [qa, qb] = [q.get(after), before && q.get(before)] as const;
  const [la, lb] = [live.get(after), before && live.get(before)] as const;
  if (!qa || !la) throw new Error("no measurements of this checkout");
  const whyMet = percentile(qa.why, 95) < 100;
  const incidentMet = percentile(la.toIncident, 50) < 750;
  const row = (what: string, a: number[], b: number[] | undefined, digits: number, goal: string) =>
    `| ${what} | ${b ? `${p(b, 50, digits)} / ${p(b, 95, digits)}` : "–"} | ${p(a, 50, digits)} / ${p(a, 95, digits)} | ${ratio(a, b, 50)} / ${ratio(a, b, 95)} | ${goal} |`;
  return `## \`why\` on a big store, and death → incident

Command: \`node bench/why-latency.ts --logs ${LOGS} --samples ${SAMPLES} --calls ${CALLS} --deaths ${DEATHS}${values.before ? ` --before ${values.before}` : ""}\`, ${new Date().toISOString().slice(0, 10)}, 2 cores, embedded chDB.
Store: ${LOGS.toLocaleString("en-US")} log rows and ${SAMPLES.toLocaleString("en-US")} samples over ${CONTAINERS} containers on ${HOSTS} hosts, one death each (${fillNote}).
"before" is ${values.before ?? "not measured (no --before)"}; "after" is this checkout. Calls alternate between the sides (one aggregator each, same store contents); each live death is watched by both sides' \`fleetscope up\` at once.

| what (same run), ms | before p50 / p95 | after p50 / p95 | after ÷ before (p50 / p95) | goal |
|---|---|---|---|---|
${row(`GET /api/v1/why?container=…&lines=50 (${CALLS} calls, different containers)`, qa.why, qb?.why, 1, `p95 < 100 ms: ${whyMet ? "**met**" : "not met"}`)}
${row("reference: GET /api/v1/logs?container=…&limit=50&since=7h (one of the queries why makes)", qa.logs, qb?.logs, 1, "")}
${row(`live: container OOM death → its oom incident written (${DEATHS} deaths)`, la.toIncident, lb?.toIncident, 0, `p50 < 750 ms: ${incidentMet ? "**met**" : "not met"}`)}
${row("reference: the same death → its die event queryable (found by a poll every 100 ms)", la.toEvent, lb?.toEvent, 0, "")}

Each death is timed from Docker's FinishedAt; the incident by its own \`updated\` (the detector's write, queryable
once that insert commits), found by polls every 100 ms from the container's start. The detector runs every 2 s over the stored evidence; "after" also wakes it (50 ms later, never two runs
at once) when a committed batch holds a die, oom or oom-kill event, for a run of the per-container rules over only the
dying container's evidence. "after"'s collector sends a death at once (not after its 100 ms buffering), without
waiting for the re-inspection dockerd answers only after its clean-up. "after"'s \`why\` makes 9 store queries instead of 14: the
container's own events (lifecycle, OOM reports, stops) in one query instead of four, and no second look-up of the
container its die event names (samples, logs, inventory by id). The embedded store runs one query at a time, each
costing a few milliseconds however small, so their number is what counts.`;
}

async function main() {
  const now = Date.now();
  const after: Side = { name: "after", cli: CLI, checkout: REPO };
  const sides: Side[] = values.before
    ? [{ name: "before", cli: cliOf(values.before), checkout: values.before }, after]
    : [after];
  const dir = await tempDir("bench-why");
  try {
    console.log(
      `filling ${LOGS.toLocaleString("en-US")} log rows and ${SAMPLES.toLocaleString("en-US")} samples…`,
    );
    // Each side's --data directory; the aggregator keeps its store in <data>/store.
    const dataDirs = new Map(sides.map((s) => [s, join(dir.path, s.name)]));
    const stores = new Map(sides.map((s) => [s, join(dir.path, s.name, "store")]));
    const fillSeconds = await fill(stores.get(after) as string, REPO, now);
    let fillNote = `filled in ${fmt(fillSeconds)} s`;
    for (const side of sides.filter((s) => s !== after)) {
      if (await migrationsWithin(side.checkout, REPO)) {
        await cp(stores.get(after) as string, stores.get(side) as string, { recursive: true });
        fillNote += `, copied for ${side.name} (whose migrations are all among this checkout's)`;
      } else {
        fillNote += `; ${side.name}'s filled apart in ${fmt(await fill(stores.get(side) as string, side.checkout, now))} s (its migrations differ)`;
      }
    }
    const q = await queryLatencies(sides, dataDirs);
    const live = await deathToIncident(sides);
    const md = report(sides, fillNote, q, live);
    await writeBenchSection("why", md);
    console.log(md);
  } finally {
    await dir.remove();
  }
}

if (values.fill) await fillHere(values.fill, values.checkout, Number(values.now));
else await main();
