// The fleetscope image built from deploy/image (on a base made from Debian's packages): one image
// for every subcommand, its own user, a HEALTHCHECK that tells a serving process from a dead one,
// the embedded store only in the full target, and journalctl for the host's journal.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKER, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { ensureImage } from "../helpers/image.ts";
import { makePki } from "../helpers/network.ts";
import { REPO, tempDir } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const exec = promisify(execFile);
const VERSION = JSON.parse(readFileSync(`${REPO}package.json`, "utf8")).version as string;

/** Runs the image to its end: exit code and both streams (a non-zero exit is an answer here). */
async function runImage(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(DOCKER, ["run", "--rm", ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("the fleetscope image", () => {
  let collector = "";
  let full = "";
  const running = uniqueName("image-aggregator");
  const tlsRunning = uniqueName("image-aggregator-tls");

  beforeAll(async () => {
    collector = await ensureImage("collector");
    full = await ensureImage("full");
  }, 600_000);

  afterAll(() => removeContainers(running, tlsRunning));

  it("runs any subcommand as its entrypoint, at this checkout's version", async () => {
    expect((await runImage([collector, "--version"])).stdout.trim()).toBe(VERSION);
    const help = await runImage([collector, "--help"]);
    for (const sub of ["up", "aggregator", "collector", "why", "top", "token", "healthcheck"]) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${sub}\\b`, "m"));
    }
  });

  it("runs as its own user (uid 10001), who owns the state volume; root is not needed to start", async () => {
    const out = await runImage([
      "--entrypoint",
      "sh",
      collector,
      "-c",
      'id -u; stat -c "%u %a" /var/lib/fleetscope; echo "$FLEETSCOPE_DATA $FLEETSCOPE_SPOOL"',
    ]);
    expect(out.stdout.trim().split("\n")).toEqual([
      "10001",
      "10001 750",
      "/var/lib/fleetscope /var/lib/fleetscope/spool",
    ]);
    const volumes = JSON.parse(await docker("image", "inspect", "-f", "{{json .Config.Volumes}}", collector));
    expect(Object.keys(volumes)).toEqual(["/var/lib/fleetscope"]);
  });

  it("has journalctl, which reads the host's journal once it is mounted with the machine id", async () => {
    const mark = `fs-image-journal-${uniqueName("mark")}`;
    const child = exec("systemd-cat", ["-t", "fs-image-test"]);
    child.child.stdin?.end(`${mark}\n`);
    await child;
    const found = await waitFor("the marker in journalctl's output inside the image", async () => {
      const out = await runImage([
        "--volume=/run/log/journal:/run/log/journal:ro",
        "--volume=/etc/machine-id:/etc/machine-id:ro",
        "--user=0",
        "--entrypoint",
        "journalctl",
        collector,
        "--no-pager",
        "-o",
        "cat",
        "-t",
        "fs-image-test",
      ]);
      return out.stdout.includes(mark) && out.stdout;
    });
    expect(found).toContain(mark);
  });

  it("the collector target leaves chDB out and says what to use instead", async () => {
    const out = await runImage([collector, "aggregator"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/embedded store \(chDB\) is not installed here.*--clickhouse-url/);
  });

  it("HEALTHCHECK fails with no fleetscope serving, naming what it asked", async () => {
    const healthcheck = JSON.parse(
      await docker("image", "inspect", "-f", "{{json .Config.Healthcheck}}", full),
    );
    expect(healthcheck.Test).toEqual(["CMD", "fleetscope", "healthcheck"]);
    const out = await runImage([collector, "healthcheck"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/127\.0\.0\.1:8471\/healthz: .*ECONNREFUSED/);
    expect(out.stderr).toMatch(/127\.0\.0\.1:8470\/healthz: .*ECONNREFUSED/);
  });

  /** Starts the full image's aggregator with `flags`; resolves once the image's own HEALTHCHECK says healthy. */
  async function healthyAggregator(name: string, ...flags: string[]): Promise<string> {
    // The image's HEALTHCHECK command, asked every second instead of every 30 s.
    await docker("run", "-d", "--name", name, "--health-interval=1s", "--health-start-period=0s", ...flags);
    return waitFor(
      `${name} to be healthy`,
      async () => {
        const s = await docker("inspect", "-f", "{{.State.Health.Status}} {{.State.Running}}", name);
        if (s.endsWith("false")) {
          const logs = await exec(DOCKER, ["logs", name]).catch((e) => e);
          throw new Error(`exited: ${logs.stdout}${logs.stderr}`);
        }
        return s.startsWith("healthy") && s;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  }

  it("the full target runs the aggregator on the embedded store as its user, and turns healthy", async () => {
    expect(await healthyAggregator(running, full, "aggregator")).toBe("healthy true");
    const files = await docker(
      "exec",
      running,
      "sh",
      "-c",
      'stat -c "%U %a %n" /var/lib/fleetscope/admin.token',
    );
    expect(files).toBe("fleetscope 600 /var/lib/fleetscope/admin.token");
    // An API command inside finds the token in the data directory, as on a native install.
    const tokens = await docker("exec", running, "fleetscope", "token", "list");
    expect(tokens).toMatch(/\badmin\b/);
  });

  it("turns healthy with TLS on the API too (the healthcheck asks https as well)", async () => {
    const dir = await tempDir("image-tls");
    try {
      const pki = await makePki(dir.path);
      // The image's user (uid 10001) reads the pair: a throwaway key in a temp dir, unlike a real one.
      await chmod(dir.path, 0o755);
      await chmod(pki.serverKey, 0o644);
      const status = await healthyAggregator(
        tlsRunning,
        `--volume=${dir.path}:/tls:ro`,
        full,
        "aggregator",
        "--tls-cert=/tls/server.pem",
        "--tls-key=/tls/server.key",
      );
      expect(status).toBe("healthy true");
      const log = await docker("inspect", "-f", "{{range .State.Health.Log}}{{.Output}}{{end}}", tlsRunning);
      expect(log).toContain("healthy: https://127.0.0.1:8470/healthz answered HTTP 200");
    } finally {
      await removeContainers(tlsRunning);
      await dir.remove();
    }
  });
});
