// The fleet collector unit's `docker run` options, run by the real dockerd: the same options with
// the busybox test image in place of the fleetscope image, and a shell that reports what the
// collector would find. Its own two host directories (/etc/fleetscope, the spool) come from a temp
// directory, so the test leaves nothing behind; every other mount is the host's, as in the unit.
import { readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bindMounts,
  commandWords,
  deployFile,
  FLEET_COLLECTOR_OWN,
  fleetCollectorRun,
  parseDockerRun,
  parseUnit,
  readText,
  unitValue,
} from "../helpers/deploy.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { tempDir } from "../helpers/stack.ts";

const UNIT = parseUnit(readText(deployFile("fleet/fleetscope-collector.service")));
const RUN = parseDockerRun(commandWords(unitValue(UNIT, "Service", "ExecStart")));
/** The unit's own directories on the host, replaced by temp ones here. */
const OWN: string[] = Object.values(FLEET_COLLECTOR_OWN);
/** The one directory the collector writes. */
const SPOOL = FLEET_COLLECTOR_OWN.SPOOL;
/** procfs refuses new files on any mount: a write there tells nothing about :ro. */
const PROCFS = "/host/proc";

/** One line per mount, "PATH: written" or touch's error; then the identity the container runs with. */
function report(containerPaths: string[]): string {
  const probes = containerPaths.map(
    (p) => `if [ -d ${p} ]; then touch ${p}/.fs-probe 2>&1 && rm ${p}/.fs-probe && echo "${p}: written"; fi`,
  );
  return [
    ...probes,
    'echo "uid: $(id -u)"',
    "grep CapEff /proc/self/status",
    'echo "pid1: $(tr "\\0" " " < /proc/1/cmdline)"',
    'echo "machine-id: $(cat /etc/machine-id)"',
    "[ -S /var/run/docker.sock ] && echo 'docker.sock: socket'",
  ].join("; ");
}

describe("the fleet collector unit's docker run, on the real dockerd", () => {
  const name = uniqueName("fleet-unit");
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let output = "";

  beforeAll(async () => {
    dir = await tempDir("deploy-fleet-container");
    const { options } = fleetCollectorRun(name, dir.path, "fleet-unit");
    const paths = bindMounts(RUN).map((m) => m.container);
    output = await docker("run", "--rm", ...options, BUSYBOX, "sh", "-c", report(paths));
  });

  afterAll(async () => {
    await removeContainers(name);
    await dir?.remove();
  });

  it("mounts every host directory read-only but the spool", () => {
    const isDir = (host: string) => OWN.includes(host) || statSync(host).isDirectory();
    const dirs = bindMounts(RUN).filter((m) => m.container !== PROCFS && isDir(m.host));
    expect(dirs.length).toBeGreaterThan(5);
    for (const m of dirs) {
      const line = output
        .split("\n")
        .find((l) => l.includes(`${m.container}/.fs-probe`) || l.startsWith(`${m.container}:`));
      const spool = m.container === SPOOL;
      expect(line, m.container).toMatch(spool ? new RegExp(`^${SPOOL}: written$`) : /Read-only file system/);
    }
  });

  it("runs as root with no capability but SYS_PTRACE, in the host's PID namespace, with its machine id", () => {
    expect(output).toMatch(/^uid: 0$/m);
    // Bit 19 is CAP_SYS_PTRACE (linux/capability.h).
    expect(output).toMatch(/^CapEff:\s+0000000000080000$/m);
    const hostPid1 = readFileSync("/proc/1/cmdline", "utf8").replaceAll("\0", " ");
    expect(output).toContain(`pid1: ${hostPid1}`);
    expect(output).toContain(`machine-id: ${readFileSync("/etc/machine-id", "utf8").trim()}`);
    expect(output).toContain("docker.sock: socket");
  });
});
