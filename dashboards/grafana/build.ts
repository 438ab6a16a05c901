// Writes the shipped dashboards' JSON next to this file: `node dashboards/grafana/build.ts`.
// The JSON is checked in so people import it without running anything; a unit test fails when it
// differs from what this code builds. The files are then formatted by the repo's formatter (biome),
// so `npm run lint` stays clean; the test compares parsed JSON, not layout.
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Dashboard } from "./common.ts";
import { containerDashboard } from "./container.ts";
import { fleetDashboard } from "./fleet.ts";
import { fleetscopeDashboard } from "./fleetscope.ts";

export const DIR = fileURLToPath(new URL(".", import.meta.url));

/** File name → dashboard, for every shipped dashboard. */
export function dashboards(): Record<string, Dashboard> {
  return {
    "fleet.json": fleetDashboard(),
    "container.json": containerDashboard(),
    "fleetscope.json": fleetscopeDashboard(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = Object.entries(dashboards()).map(
    ([file, d]) => [`${DIR}${file}`, JSON.stringify(d)] as const,
  );
  for (const [path, text] of files) await writeFile(path, text);
  const biome = fileURLToPath(new URL("../../node_modules/.bin/biome", import.meta.url));
  execFileSync(biome, ["format", "--write", ...files.map(([path]) => path)], { stdio: "inherit" });
}
