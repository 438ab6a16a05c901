import { type Command, Option } from "commander";
import { type ApiFlags, apiClient, withApiOptions } from "../api.ts";
import { parseDurationArg } from "../options.ts";

interface TopFlags extends ApiFlags {
  host?: string;
  container?: string;
  view: string;
  interval: number;
}

export function registerTop(program: Command): void {
  const cmd = program
    .command("top")
    .description(
      "the fleet in a terminal, csysdig/htop-style: hosts, containers, processes, logs, events, incidents, why (? for keys)",
    );
  withApiOptions(cmd)
    .addOption(new Option("--host <name>", "start on this host").env("FLEETSCOPE_HOST"))
    .addOption(
      new Option("--container <name>", "start on this container (name, id or id prefix)").env(
        "FLEETSCOPE_CONTAINER",
      ),
    )
    .addOption(
      new Option(
        "--view <view>",
        "first view: containers, hosts, top-processes, logs, events, incidents (processes, why, inspect with --container)",
      )
        .env("FLEETSCOPE_VIEW")
        .default("containers"),
    )
    .addOption(
      new Option("--interval <duration>", "refresh every")
        .env("FLEETSCOPE_INTERVAL")
        .default(2000, "2s")
        .argParser(parseDurationArg),
    )
    .action(async (f: TopFlags) => {
      if (!process.stdout.isTTY)
        throw new Error(
          "top needs a terminal (stdout is not one); for scripts use `fleetscope logs` or the API",
        );
      // ink draws only the last frame when it believes it runs in CI (CI=… in the environment,
      // read when ink loads), and chalk draws no colour at all when CI is set, even to "false";
      // on a real terminal the person wants every frame, in colour.
      delete process.env.CI;
      delete process.env.CONTINUOUS_INTEGRATION;
      // ink and React load only here: the other commands start without them. Launching it is
      // cli's one reference into tui/; what both use is in client/.
      const { runTop } = await import("../../tui/run.ts");
      await runTop({ ...f, client: apiClient(f), intervalMs: f.interval });
    });
}
