// The Node options the collector runs with (cli/commands/collector-runtime.ts) are set by every
// unit and manifest that starts it, so the overhead bench measures what the deploy files run.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { COLLECTOR_NODE_OPTIONS } from "../../cli/commands/collector-runtime.ts";
import {
  commandWords,
  containerOf,
  deployFile,
  manifestOf,
  parseDockerRun,
  parseUnit,
  podOf,
  readText,
  unitValue,
  unitValues,
} from "../helpers/deploy.ts";

describe("the collector's Node options", () => {
  it("are what the systemd unit sets", () => {
    const unit = parseUnit(readText(deployFile("systemd/fleetscope-collector.service")));
    expect(unitValues(unit, "Service", "Environment")).toContain(`NODE_OPTIONS=${COLLECTOR_NODE_OPTIONS}`);
  });

  it("are what the fleet unit's docker run passes the container", () => {
    const unit = parseUnit(readText(deployFile("fleet/fleetscope-collector.service")));
    const run = parseDockerRun(commandWords(unitValue(unit, "Service", "ExecStart")));
    expect(run.options).toContainEqual(["env", `NODE_OPTIONS=${COLLECTOR_NODE_OPTIONS}`]);
  });

  it("are what the Kubernetes DaemonSet's container gets", () => {
    const container = containerOf(podOf(manifestOf("DaemonSet"))) as unknown as {
      env?: Array<{ name: string; value?: string }>;
    };
    expect(container.env).toContainEqual({ name: "NODE_OPTIONS", value: COLLECTOR_NODE_OPTIONS });
  });

  it("are accepted by this Node in NODE_OPTIONS (an unknown one stops it with exit 9)", () => {
    const run = (options: string) =>
      spawnSync(process.execPath, ["-e", ""], { env: { ...process.env, NODE_OPTIONS: options } }).status;
    expect(run("--max-semi-space-size-typo=2")).not.toBe(0);
    expect(run(COLLECTOR_NODE_OPTIONS)).toBe(0);
  });
});
