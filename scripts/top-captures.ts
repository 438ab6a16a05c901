// Text captures of every `fleetscope top` view for the README, from a real run: an aggregator
// loaded with a small made-up fleet, the TUI in a 100×24 tmux session, keys typed, panes captured.
//
//   node scripts/top-captures.ts > /tmp/captures.md
import { postBatch } from "../test/helpers/ingest.ts";
import { freePort, REPO, startAggregator, tempDir } from "../test/helpers/stack.ts";
import { syntheticFleet } from "../test/helpers/synthetic-fleet.ts";
import { Tmux } from "../test/helpers/tmux.ts";

const dir = await tempDir("top-captures");
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const agg = await startAggregator(dir.path, port);
const term = new Tmux();
const out: string[] = [];
try {
  await postBatch(
    url,
    syntheticFleet([
      {
        host: "web-1",
        name: "api",
        image: "shop/api:2.3",
        cpu: 0.4,
        cpuLimit: 1,
        memoryMiB: 128,
        limitMiB: 256,
        lines: ["starting api", "GET /healthz 200", "ERROR connection refused to db:5432", "retrying in 2s"],
      },
      { host: "web-1", name: "nginx", image: "nginx:1.27", cpu: 0.05, memoryMiB: 12, restarts: 2 },
      {
        host: "web-1",
        name: "cache",
        image: "shop/cache:1.0",
        fate: "oom",
        limitMiB: 16,
        lines: ["loading cache", "cache: 120000 entries", "warn: cache above 80%"],
      },
      { host: "db-1", name: "postgres", image: "postgres:16", cpu: 0.9, memoryMiB: 900, limitMiB: 1024 },
      {
        host: "db-1",
        name: "backup",
        image: "shop/backup:1",
        fate: "crash",
        lines: ["backup started", "ERROR disk full"],
      },
    ]),
  );
  // --data: the CLI finds the aggregator's admin token there, as on the machine it runs on.
  await term.start(100, 24, [
    process.execPath,
    `${REPO}/cli/fleetscope.ts`,
    "top",
    "--url",
    url,
    "--data",
    dir.path,
  ]);
  // Keys at a person's pace: one, then a moment for the screen to follow.
  const keys = async (...names: string[]) => {
    for (const k of names) {
      await term.press(k);
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  const shot = async (title: string, until: string, names: string[] = []) => {
    await keys(...names);
    const s = await term.until(until);
    // The empty rows between the last line and the footer, folded to one.
    const text = s
      .replaceAll(url, "http://127.0.0.1:8470")
      .trimEnd()
      .replace(/\n{3,}/g, "\n\n");
    out.push(`${title}:`, "", "```", text, "```", "");
  };
  await shot("Containers (the default view)", "backup");
  await shot("Hosts (F2, then 2)", "db-1", ["F2", "2"]);
  await shot("Top processes of a host (t on a host)", "worker", ["Down", "t"]);
  // A view picked with F2 replaces the one before it: back to hosts, then pick containers.
  await keys("Escape", "F2", "1");
  await term.until(/^ containers$/m);
  await keys("N"); // by name: api, backup, cache, nginx, postgres
  await shot("Processes of a container (Enter)", "postgres-worker", ["End", "Enter"]);
  await keys("BSpace");
  await shot("Logs of a container (l)", "connection refused", ["Home", "l"]);
  await keys("BSpace", "Down", "Down");
  await shot("Why it died (w)", "OOM kill", ["w"]);
  await shot("Events of the container (e, from Why)", "oom", ["e"]);
  await keys("BSpace", "BSpace");
  await shot("Incidents (:, then 6)", "oom", [":", "6"]);
  await shot("Help (?)", "every view", ["?"]);
  await keys("Escape", "q");
} finally {
  await term.kill();
  await agg.stop();
  await dir.remove();
}
console.log(out.join("\n"));
