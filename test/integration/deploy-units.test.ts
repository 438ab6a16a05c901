// deploy/'s fleet and systemd units, checked by systemd's own tools and against the fleetscope
// command they run: systemd-analyze verify and security, fleet's [X-Fleet] keys, the collector
// container's mounts, and every flag and variable they use in `fleetscope <command> --help`.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
  bindMounts,
  commandWords,
  deployFile,
  deployFiles,
  helpOf,
  longFlags,
  parseDockerRun,
  parseUnit,
  readText,
  unitValue,
  unitValues,
  xFleetProblems,
} from "../helpers/deploy.ts";
import { REPO } from "../helpers/stack.ts";

const FLEET_UNITS = deployFiles("fleet", ".service");
const NATIVE_UNITS = deployFiles("systemd", ".service");
/** Where the native units expect the command (deploy/README.md, "systemd"). */
const INSTALLED = "/usr/local/bin/fleetscope";
const CHECKOUT = join(REPO, "cli", "fleetscope.ts");
/** The fleet units name their image by systemd's variable, set in the unit or its environment file. */
const IMAGE_WORD = `\${FLEETSCOPE_IMAGE}`;

const work = mkdtempSync(join(tmpdir(), "fleetscope-deploy-units-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** systemd-analyze's exit code and what it printed; it reports most problems on stderr with exit 0. */
async function analyze(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)("systemd-analyze", args);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/**
 * A copy of the unit systemd-analyze can check on a test machine. The fleet units run
 * /usr/bin/docker, which setup-host.sh installs: copied as they are. The native units run the
 * installed command, which no test machine has: the copy names the checkout's cli/fleetscope.ts,
 * the file that install links, in that one place; every other byte is the unit's own.
 */
function checkableCopy(unit: string, text = readText(unit), dir = work): string {
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, basename(unit));
  if (!text.includes(`ExecStart=${INSTALLED} `) && unit.includes("/systemd/"))
    throw new Error(`${unit}: its ExecStart= should run ${INSTALLED}`);
  writeFileSync(copy, text.replaceAll(`ExecStart=${INSTALLED} `, `ExecStart=${CHECKOUT} `));
  return copy;
}

describe("systemd-analyze verify", () => {
  it.each([...FLEET_UNITS, ...NATIVE_UNITS])("finds nothing wrong in %s", async (unit) => {
    const r = await analyze("verify", "--man=no", checkableCopy(unit));
    expect(r.stderr, "systemd-analyze verify's complaints").toBe("");
    expect(r.code).toBe(0);
  });

  it("does report a wrong key, so an empty answer above means something", async () => {
    const unit = deployFile("fleet/fleetscope-collector.service");
    const wrong = readText(unit).replace("Restart=always", "Restart=alwayz\nRestartSecs=5");
    const bad = checkableCopy(unit, wrong, join(work, "bad"));
    const r = await analyze("verify", "--man=no", bad);
    expect(r.stderr).toMatch(/:\d+: Failed to parse service restart specifier/);
    expect(r.stderr).toMatch(/:\d+: Unknown key 'RestartSecs'/);
  });
});

describe("the native units' hardening", () => {
  /** systemd-analyze security's overall exposure, 0 (locked down) to 10 (none). */
  async function exposure(unit: string): Promise<number> {
    const r = await analyze("security", "--offline=yes", unit);
    const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(r.stdout);
    if (!m) throw new Error(`no exposure level in: ${r.stdout}${r.stderr}`);
    return Number(m[1]);
  }

  it.each(NATIVE_UNITS)(
    "%s is rated OK (exposure below 3 of 10) by systemd-analyze security",
    async (unit) => {
      expect(await exposure(checkableCopy(unit))).toBeLessThan(3);
    },
  );

  it("rates the same unit without its hardening as exposed, so the rating above means something", async () => {
    const unit = deployFile("systemd/fleetscope-collector.service");
    const bare = readText(unit).replace(/\nDynamicUser=yes\n[\s\S]*?\n\[Install\]/, "\n\n[Install]");
    expect(bare).not.toContain("ProtectSystem=");
    expect(await exposure(checkableCopy(unit, bare, join(work, "bare")))).toBeGreaterThan(8);
  });

  it("gives the collector no capability beyond the two it reads with, and no token in argv", () => {
    const unit = parseUnit(readText(deployFile("systemd/fleetscope-collector.service")));
    const caps = (key: string) => unitValue(unit, "Service", key).split(/\s+/).sort();
    expect(caps("CapabilityBoundingSet")).toEqual(["CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE"]);
    expect(caps("AmbientCapabilities")).toEqual(["CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE"]);
    expect(unitValues(unit, "Service", "User")).toEqual([]);
    expect(unitValue(unit, "Service", "DynamicUser")).toBe("yes");
    expect(unitValue(unit, "Service", "ProtectSystem")).toBe("strict");
    expect(unitValue(unit, "Service", "ExecStart")).toContain("--token-file=%d/ingest-token");
    expect(unitValue(unit, "Service", "LoadCredential")).toBe("ingest-token:/etc/fleetscope/ingest.token");
  });
});

describe("fleet's [X-Fleet] section", () => {
  const xfleet = (name: string) => {
    const unit = parseUnit(readText(deployFile(`fleet/${name}`)));
    return { unit, keys: unit.filter((e) => e.section === "X-Fleet") };
  };

  it("holds only keys fleet knows, in every fleet unit", () => {
    for (const unit of FLEET_UNITS) expect(xFleetProblems(parseUnit(readText(unit))), unit).toEqual([]);
  });

  it("finds an unknown key and a key Global=true excludes", () => {
    const problems = xFleetProblems(parseUnit("[X-Fleet]\nGlobal=true\nMachineOf=a.service\nGlobl=true\n"));
    expect(problems).toEqual([
      "line 4: fleet knows no [X-Fleet] key Globl",
      "line 3: MachineOf= cannot go with Global=true",
    ]);
  });

  it("runs the collector on every machine (Global=true)", () => {
    expect(xfleet("fleetscope-collector.service").keys.map((e) => `${e.key}=${e.value}`)).toContain(
      "Global=true",
    );
  });

  it("runs one aggregator, kept on the machine that holds its store", () => {
    const { keys } = xfleet("fleetscope-aggregator.service");
    expect(keys.some((e) => e.key === "Global" && e.value === "true")).toBe(false);
    expect(keys.some((e) => e.key === "MachineMetadata" || e.key === "Conflicts")).toBe(true);
  });
});

describe("the fleet units' container, in the seeds' pattern", () => {
  const unitOf = (name: string) => parseUnit(readText(deployFile(`fleet/${name}`)));
  const runOf = (name: string) =>
    parseDockerRun(commandWords(unitValue(unitOf(name), "Service", "ExecStart")));

  it.each([
    ["fleetscope-collector", "fleetscope:collector"],
    ["fleetscope-aggregator", "fleetscope:latest"],
  ])("%s removes an old container and pulls before it runs %s, attached, restarted always", (name, image) => {
    const unit = unitOf(`${name}.service`);
    expect(unitValues(unit, "Service", "ExecStartPre")).toEqual([
      `-/usr/bin/docker kill ${name}`,
      `-/usr/bin/docker rm ${name}`,
      `-/usr/bin/docker pull ${IMAGE_WORD}`,
    ]);
    const run = runOf(`${name}.service`);
    expect(run.options).toContainEqual(["name", name]);
    expect(run.options.map(([o]) => o)).not.toContain("detach");
    expect(run.image).toBe(IMAGE_WORD);
    expect(unitValue(unit, "Service", "ExecStop")).toBe(`/usr/bin/docker stop ${name}`);
    expect(unitValue(unit, "Service", "Restart")).toBe("always");
    expect(unitValues(unit, "Service", "Environment")).toContain(`FLEETSCOPE_IMAGE=${image}`);
  });

  it("mounts the host's socket, /proc, /sys, cgroups, Docker root (logs, writable layers), journal and machine id read-only", () => {
    const run = runOf("fleetscope-collector.service");
    const mounts = bindMounts(run);
    const writable = mounts.filter((m) => !m.readOnly).map((m) => m.host);
    expect(writable, "only the spool is writable").toEqual(["/var/lib/fleetscope-collector"]);
    const readOnly = mounts.filter((m) => m.readOnly).map((m) => m.host);
    for (const host of [
      "/var/run/docker.sock",
      "/proc",
      "/sys",
      "/sys/fs/cgroup",
      "/var/lib/docker",
      "/run/log/journal",
      "/var/log/journal",
      "/etc/machine-id",
    ])
      expect(readOnly).toContain(host);
    expect(run.options).toContainEqual(["pid", "host"]);
    expect(run.options).toContainEqual(["network", "host"]);
  });

  it("takes the aggregator and the ingest token from etcd", () => {
    const { command } = runOf("fleetscope-collector.service");
    expect(command[0]).toBe("collector");
    for (const flag of [
      "--etcd=http://127.0.0.1:2379",
      "--aggregator-from-etcd=/fleetscope/aggregator",
      "--token-from-etcd=/fleetscope/ingest-token",
    ])
      expect(command).toContain(flag);
  });
});

describe("every flag and variable the units use exists", () => {
  /** [command, its words after the subcommand, where] of every fleetscope command line in deploy/. */
  function commandLines(): Array<{ command: string; args: string[]; where: string }> {
    const lines: Array<{ command: string; args: string[]; where: string }> = [];
    for (const unit of FLEET_UNITS) {
      const [command = "", ...args] = parseDockerRun(
        commandWords(unitValue(parseUnit(readText(unit)), "Service", "ExecStart")),
      ).command;
      lines.push({ command, args, where: unit });
    }
    for (const unit of NATIVE_UNITS) {
      const [program, command = "", ...args] = commandWords(
        unitValue(parseUnit(readText(unit)), "Service", "ExecStart"),
      );
      expect(program, unit).toBe(INSTALLED);
      lines.push({ command, args, where: unit });
    }
    return lines;
  }

  it("in `fleetscope <command> --help`", async () => {
    const lines = commandLines();
    expect(lines.map((l) => l.command).sort()).toEqual([
      "aggregator",
      "aggregator",
      "collector",
      "collector",
    ]);
    for (const { command, args, where } of lines) {
      const { flags } = await helpOf(command);
      for (const flag of longFlags(args)) expect(flags.has(flag), `${where}: ${command} ${flag}`).toBe(true);
    }
  });

  it("the environment files name variables the commands read", async () => {
    for (const command of ["collector", "aggregator"]) {
      const file = `systemd/${command}.env.example`;
      const names = [...readText(deployFile(file)).matchAll(/^#?(FLEETSCOPE_[A-Z0-9_]+)=/gm)].map(
        (m) => m[1],
      );
      expect(names.length, file).toBeGreaterThan(2);
      const { envs } = await helpOf(command);
      for (const name of names) expect(envs.has(name ?? ""), `${file}: ${name}`).toBe(true);
    }
  });
});
