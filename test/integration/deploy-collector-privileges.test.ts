// The native collector unit (deploy/systemd/) runs as an unprivileged user with one group and
// two capabilities instead of root. PID 1 here is not systemd, so this applies exactly those,
// read from the unit, with util-linux's setpriv, and runs the real collector with them against
// dockerd, journald and an aggregator: it must get each thing the unit says it reads with them.
import { execFile } from "node:child_process";
import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "../../protocol/api/logs.ts";
import { deployFile, parseUnit, readText, unitValue } from "../helpers/deploy.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import {
  FleetscopeProcess,
  getJson,
  ingestTokenFor,
  REPO,
  TEST_COLLECTOR_FLAGS,
  tempDir,
  useAggregator,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const exec = promisify(execFile);
/** nobody: a user with no rights of its own, as DynamicUser= gives the unit. */
const NOBODY = 65534;
/** A uid this machine does not know; only the container's /etc/passwd names it. */
const CONTAINER_UID = 54321;

const SERVICE = parseUnit(readText(deployFile("systemd/fleetscope-collector.service")));

/** setpriv's arguments for the unit's SupplementaryGroups= and AmbientCapabilities=, nothing more. */
async function unitPrivileges(): Promise<string[]> {
  const groups = unitValue(SERVICE, "Service", "SupplementaryGroups").split(/\s+/);
  const gids = await Promise.all(
    groups.map(async (g) => (await exec("getent", ["group", g])).stdout.split(":")[2]),
  );
  const caps = unitValue(SERVICE, "Service", "AmbientCapabilities")
    .split(/\s+/)
    .map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`)
    .join(",");
  return [
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    `--groups=${gids.join(",")}`,
    `--inh-caps=-all,${caps}`,
    `--ambient-caps=${caps}`,
    `--bounding-set=-all,${caps}`,
    "--no-new-privs",
  ];
}

/** "read" when `head` under these setpriv arguments reads the file, else what it said. */
const readAs = (privileges: string[], file: string): Promise<string> =>
  exec("setpriv", [...privileges, "head", "-c", "1", file]).then(
    () => "read",
    (err: { stderr?: string }) => err.stderr ?? String(err),
  );

describe("the native collector unit's user, groups and capabilities", () => {
  const agg = useAggregator("deploy-privileges");
  const name = uniqueName("privileges");
  const marker = `privileged-enough-${name}`;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let collector: FleetscopeProcess | undefined;

  beforeAll(async () => {
    dir = await tempDir("deploy-privileges");
    await chmod(dir.path, 0o711); // passable, as /var/lib and the credentials' parent are
    // As systemd lays them out: the spool in a state directory and the token in a credentials
    // directory, both the service user's alone.
    const spool = join(dir.path, "state", "spool");
    await mkdir(spool, { recursive: true, mode: 0o700 });
    await chown(join(dir.path, "state"), NOBODY, NOBODY);
    await chown(spool, NOBODY, NOBODY);
    const token = join(dir.path, "ingest-token");
    await writeFile(token, `${await ingestTokenFor(agg.url)}\n`, { mode: 0o400 });
    await chown(token, NOBODY, NOBODY);
    await writeFile(join(dir.path, "passwd"), `fsdeploy:x:${CONTAINER_UID}:${CONTAINER_UID}::/:/bin/sh\n`, {
      mode: 0o644,
    });
    const args = [
      ...(await unitPrivileges()),
      process.execPath,
      join(REPO, "cli", "fleetscope.ts"),
      "collector",
      `--aggregator=${agg.url}`,
      `--spool=${spool}`,
      `--token-file=${token}`,
      "--metrics-listen=off",
      ...TEST_COLLECTOR_FLAGS,
    ];
    collector = new FleetscopeProcess("setpriv", args);
    await collector.ready("shipping to");
    await docker(
      "run",
      "-d",
      `--name=${name}`,
      `--user=${CONTAINER_UID}`,
      `--volume=${join(dir.path, "passwd")}:/etc/passwd:ro`,
      BUSYBOX,
      "sh",
      "-c",
      `echo ${marker}; exec sleep 600`,
    );
    const cat = exec("systemd-cat", ["-t", "fsdeploy"]);
    cat.child.stdin?.end(`journal-${marker}\n`);
    await cat;
  });

  afterAll(async () => {
    await collector?.stop();
    await removeContainers(name);
    await dir?.remove();
  });

  it("runs as nobody, not root", async () => {
    const status = readText(`/proc/${collector?.child.pid}/status`);
    expect(status).toMatch(new RegExp(`^Uid:\\s+${NOBODY}\\s`, "m"));
  });

  it("reads a container's json-file log (root's 0640 file: CAP_DAC_READ_SEARCH)", async () => {
    const logs = await waitFor("the container's line", async () => {
      const r = await getJson<{ logs: LogLine[] }>(agg.url, `/api/v1/logs?container=${name}&since=10m`);
      return r.logs.length > 0 ? r.logs : undefined;
    });
    expect(logs.map((l) => [l.source, l.body])).toEqual([["docker-json", marker]]);
  });

  it("names the container's user from its /etc/passwd (another user's /proc/<pid>/root: CAP_SYS_PTRACE)", async () => {
    const procs = await waitFor("the container's process with its user name", async () => {
      const r = await getJson<{ processes: Array<{ uid: number; user: string }> }>(
        agg.url,
        `/api/v1/containers/${name}/processes`,
      );
      return r.processes.length > 0 ? r.processes : undefined;
    });
    expect(procs.map((p) => [p.uid, p.user])).toContainEqual([CONTAINER_UID, "fsdeploy"]);
  });

  it("reads the journal (root:systemd-journal 0640 files: CAP_DAC_READ_SEARCH)", async () => {
    const logs = await waitFor("the journal line", async () => {
      const r = await getJson<{ logs: LogLine[] }>(agg.url, `/api/v1/logs?q=journal-${marker}&since=10m`);
      return r.logs.length > 0 ? r.logs : undefined;
    });
    expect(logs[0]).toMatchObject({ source: "journald", identifier: "fsdeploy" });
  });

  it("needs each capability: without them the same user reads neither file", async () => {
    const id = (await docker("inspect", "--format", "{{.Id}}", name)).trim();
    const pid = (await docker("inspect", "--format", "{{.State.Pid}}", name)).trim();
    const files = [`/var/lib/docker/containers/${id}/${id}-json.log`, `/proc/${pid}/root/etc/passwd`];
    const withCaps = await unitPrivileges();
    const withoutCaps = withCaps
      .filter((a) => !a.startsWith("--ambient-caps="))
      .map((a) => a.replace(/^--(inh-caps|bounding-set)=.*/, "--$1=-all"));
    for (const file of files) {
      expect(await readAs(withCaps, file), file).toBe("read");
      expect(await readAs(withoutCaps, file), file).toMatch(/Permission denied/);
    }
  });
});
