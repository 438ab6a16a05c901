// What `docker inspect` gives an operator, as the collector keeps it (command, env with secret
// values masked, ports, mounts, health), on inspect output captured from the real engine; and how
// ingest checks those fields: bounded, typed, one bad record rejected alone with the reason.
import { readFileSync } from "node:fs";
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { RecordError, toRow } from "../../aggregator/ingest/to-row.ts";
import { boundDetails, shellJoin } from "../../collector/docker/container-details.ts";
import { toContainerInfo } from "../../collector/docker/inventory.ts";
import { toContainerRecord } from "../../collector/sources/containers/containers-source.ts";
import { CONTAINER_DETAIL_LIMITS } from "../../protocol/records.ts";
import { looksSecret, maskSecretEnv, SECRET_MASK } from "../../protocol/secrets.ts";

const inspect = (file: string) =>
  (
    JSON.parse(
      readFileSync(new URL(`../fixtures/docker-inspect/${file}`, import.meta.url), "utf8"),
    ) as Docker.ContainerInspectInfo[]
  )[0] as Docker.ContainerInspectInfo;

describe("container details from docker inspect", () => {
  it("a running container: command, env with the token masked, ports, bind/volume/tmpfs mounts, health", () => {
    const info = toContainerInfo(inspect("running-healthy.json"));
    expect(info).toMatchObject({
      command: "sleep 300",
      env: [`API_TOKEN=${SECRET_MASK}`, "MODE=prod"],
      ports: ["127.0.0.1:18081->80/tcp", "9000/tcp"],
      mounts: ["/tmp/h4a-x:/data (ro)", "volume h4avol:/vol", "tmpfs /run (size=1m)"],
      health: "healthy",
      restartPolicy: "no",
    });
    expect(JSON.stringify(info)).not.toContain("s3cret");
  });

  it("an exited one: its shell command quoted, no env, the exposed port, tmpfs and bind mounts, no health", () => {
    const info = toContainerInfo(inspect("exited.json"));
    expect(info).toMatchObject({
      command: `sh -c 'echo "it'\\''s"; exit 3'`,
      env: [],
      ports: ["8089/tcp"], // bound to a random host port while it ran; none once it stopped
      mounts: ["tmpfs /scratch", "/tmp/h4a-x:/src"],
      health: "",
    });
  });

  it("keeps published bindings of a stopped container from its configuration", () => {
    const raw = inspect("exited.json");
    const stopped = {
      ...raw,
      HostConfig: { ...raw.HostConfig, PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] } },
      Config: { ...raw.Config, ExposedPorts: { "80/tcp": {}, "53/udp": {} } },
    };
    expect(toContainerInfo(stopped).ports).toEqual(["53/udp", "0.0.0.0:8080->80/tcp"]); // in port order
  });

  it("the record carries them and ingest maps them to their columns", () => {
    const record = toContainerRecord(toContainerInfo(inspect("running-healthy.json")), "vm");
    const { table, row } = toRow(JSON.stringify(record));
    expect(table).toBe("containers");
    expect(row).toMatchObject({
      command: "sleep 300",
      env: [`API_TOKEN=${SECRET_MASK}`, "MODE=prod"],
      ports: ["127.0.0.1:18081->80/tcp", "9000/tcp"],
      mounts: ["/tmp/h4a-x:/data (ro)", "volume h4avol:/vol", "tmpfs /run (size=1m)"],
      health: "healthy",
    });
  });
});

describe("shellJoin", () => {
  it("leaves plain words alone and single-quotes the rest, as a shell would need them", () => {
    expect(shellJoin(["nginx", "-g", "daemon off;"])).toBe("nginx -g 'daemon off;'");
    expect(shellJoin(["/bin/app", "--listen=0.0.0.0:80", "a,b@c%d+e"])).toBe(
      "/bin/app --listen=0.0.0.0:80 a,b@c%d+e",
    );
    expect(shellJoin(["echo", "", "$HOME", "it's"])).toBe(`echo '' '$HOME' 'it'\\''s'`);
    expect(shellJoin([])).toBe("");
  });
});

describe("secret-looking environment keys", () => {
  it("matches the usual names of secrets, in any case, and not ordinary settings", () => {
    for (const k of [
      "DB_PASSWORD",
      "passwd",
      "AWS_SECRET_ACCESS_KEY",
      "GITHUB_TOKEN",
      "API_KEY",
      "CREDENTIALS_FILE",
      "BASIC_AUTH",
      "PRIVATE_DATA",
      "TLS_CERT",
    ])
      expect(looksSecret(k), k).toBe(true);
    for (const k of ["MODE", "PATH", "HOME", "PORT", "LANG", "HOSTNAME"])
      expect(looksSecret(k), k).toBe(false);
  });

  it("masks only the value, keeps a value after a further '=', and shows an empty value as empty", () => {
    expect(maskSecretEnv("API_TOKEN=a=b=c")).toBe(`API_TOKEN=${SECRET_MASK}`);
    expect(maskSecretEnv("MODE=a=b")).toBe("MODE=a=b");
    expect(maskSecretEnv("DB_PASSWORD=")).toBe("DB_PASSWORD=");
    expect(maskSecretEnv("TOKEN_WITHOUT_VALUE")).toBe("TOKEN_WITHOUT_VALUE");
  });
});

describe("the collector keeps details within what ingest accepts", () => {
  it("cuts long entries and long lists, saying so", () => {
    const { maxEntries, entryChars, commandChars } = CONTAINER_DETAIL_LIMITS;
    const cut = boundDetails({
      command: "x".repeat(commandChars + 10),
      env: Array.from({ length: maxEntries + 5 }, (_, i) => `V${i}=${"y".repeat(entryChars)}`),
      ports: [],
      mounts: [],
      health: "healthy",
    });
    expect(cut.command.length).toBeLessThanOrEqual(commandChars);
    expect(cut.command).toMatch(/truncated/);
    expect(cut.env).toHaveLength(maxEntries);
    expect(cut.env.at(-1)).toBe("… 6 more not kept");
    expect(cut.env.every((e) => e.length <= entryChars)).toBe(true);
    const record = {
      ...toContainerRecord(toContainerInfo(inspect("exited.json")), "vm"),
      ...cut,
    };
    expect(toRow(JSON.stringify(record)).row.env).toHaveLength(maxEntries);
  });
});

describe("ingest of a container record's details", () => {
  const base = toContainerRecord(toContainerInfo(inspect("exited.json")), "vm");
  const reject = (patch: object) => () => toRow(JSON.stringify({ ...base, ...patch }));

  it("reads an older collector's record (no details) with empty defaults", () => {
    const { command: _c, env: _e, ports: _p, mounts: _m, health: _h, ...old } = base;
    expect(toRow(JSON.stringify(old)).row).toMatchObject({
      command: "",
      env: [],
      ports: [],
      mounts: [],
      health: "",
    });
  });

  it("rejects wrong types, too many or too long entries and unknown health, naming the field", () => {
    const { maxEntries, entryChars, commandChars } = CONTAINER_DETAIL_LIMITS;
    expect(reject({ env: "A=1" })).toThrow(new RecordError('field "env" must be an array of strings'));
    expect(reject({ ports: ["80/tcp", 80] })).toThrow(
      new RecordError(`field "ports[1]" must be a string of at most ${entryChars} characters`),
    );
    expect(reject({ mounts: ["m".repeat(entryChars + 1)] })).toThrow(/field "mounts\[0\]"/);
    expect(reject({ env: Array(maxEntries + 1).fill("A=1") })).toThrow(
      new RecordError(`field "env" has more than ${maxEntries} entries`),
    );
    expect(reject({ command: "c".repeat(commandChars + 1) })).toThrow(/field "command" is longer than/);
    expect(reject({ health: "sick" })).toThrow(
      new RecordError('field "health" must be one of "healthy", "unhealthy", "starting" or "", got "sick"'),
    );
  });
});
