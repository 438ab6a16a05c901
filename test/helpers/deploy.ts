// Reading deploy/'s systemd and fleet unit files the way systemd does (sections, repeated keys,
// lines continued with a backslash), the docker run line inside them, and the flags a
// `fleetscope <command> --help` lists, for the tests that check those files against reality.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { runCli } from "./cli.ts";
import { REPO } from "./stack.ts";

export const DEPLOY = join(REPO, "deploy");

/** The files of one deploy/ folder with that ending, as absolute paths. */
export function deployFiles(folder: string, ending: string): string[] {
  const dir = join(DEPLOY, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith(ending))
    .sort()
    .map((f) => join(dir, f));
}

/** One file of deploy/, by its path inside it. */
export const deployFile = (path: string): string => join(DEPLOY, path);

export interface UnitEntry {
  section: string;
  key: string;
  value: string;
  /** 1-based line of the key, for messages. */
  line: number;
}

/** Every key=value of a unit file, in order; continuation lines joined with a space as systemd does. */
export function parseUnit(text: string): UnitEntry[] {
  const entries: UnitEntry[] = [];
  const lines = text.split("\n");
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = (lines[i] ?? "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    while (line.endsWith("\\") && i + 1 < lines.length)
      line = `${line.slice(0, -1)} ${(lines[++i] ?? "").trim()}`;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1] ?? "";
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 1) throw new Error(`line ${start + 1}: neither a [section] nor key=value: ${line}`);
    entries.push({
      section,
      key: line.slice(0, eq).trim(),
      value: line.slice(eq + 1).trim(),
      line: start + 1,
    });
  }
  return entries;
}

export const unitValues = (entries: UnitEntry[], section: string, key: string): string[] =>
  entries.filter((e) => e.section === section && e.key === key).map((e) => e.value);

/** The one value of a key that must appear once. */
export function unitValue(entries: UnitEntry[], section: string, key: string): string {
  const values = unitValues(entries, section, key);
  const [value] = values;
  if (value === undefined || values.length !== 1)
    throw new Error(`[${section}] ${key}= appears ${values.length} times, expected once`);
  return value;
}

/** A command line's words (the units quote nothing), without systemd's prefixes (-, @, +, !). */
export function commandWords(value: string): string[] {
  if (/["']/.test(value)) throw new Error(`the test reads unquoted command lines only: ${value}`);
  const [first = "", ...rest] = value.split(/\s+/).filter(Boolean);
  return [first.replace(/^[-@+!:]+/, ""), ...rest];
}

/** The keys fleet knows in [X-Fleet] (fleet's unit file documentation). */
export const X_FLEET_KEYS = ["Global", "MachineMetadata", "MachineOf", "MachineID", "Conflicts", "Replaces"];

/** What fleet would refuse or misread in a unit's [X-Fleet] section; empty when none. */
export function xFleetProblems(entries: UnitEntry[]): string[] {
  const xfleet = entries.filter((e) => e.section === "X-Fleet");
  const problems = xfleet
    .filter((e) => !X_FLEET_KEYS.includes(e.key))
    .map((e) => `line ${e.line}: fleet knows no [X-Fleet] key ${e.key}`);
  const global = xfleet.find((e) => e.key === "Global");
  if (global && !["true", "false"].includes(global.value))
    problems.push(`line ${global.line}: Global= takes true or false, not ${global.value}`);
  // fleet schedules a global unit on every machine its metadata matches: nothing else applies.
  if (global?.value === "true")
    for (const e of xfleet.filter(
      (x) => X_FLEET_KEYS.includes(x.key) && !["Global", "MachineMetadata"].includes(x.key),
    ))
      problems.push(`line ${e.line}: ${e.key}= cannot go with Global=true`);
  return problems;
}

export interface DockerRun {
  /** --opt=value options before the image, in order ("--pid=host" → ["pid", "host"]). */
  options: Array<[string, string]>;
  image: string;
  /** The words after the image: the container's command. */
  command: string[];
}

/** Splits `docker run …` words; the units write every option as --name=value (or a bare --name). */
export function parseDockerRun(words: string[]): DockerRun {
  const at = words.indexOf("run");
  if (at < 0 || !words[0]?.endsWith("/docker")) throw new Error(`not a docker run: ${words.join(" ")}`);
  const options: Array<[string, string]> = [];
  let i = at + 1;
  for (; words[i]?.startsWith("-"); i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(words[i] ?? "");
    if (!m?.[1]) throw new Error(`write docker options as --name=value: ${words[i]}`);
    options.push([m[1], m[2] ?? ""]);
  }
  const image = words[i];
  if (image === undefined) throw new Error("docker run names no image");
  return { options, image, command: words.slice(i + 1) };
}

export interface Mount {
  host: string;
  container: string;
  readOnly: boolean;
}

/** The --volume=HOST:CONTAINER[:ro] bind mounts of a docker run (named volumes left out). */
export function bindMounts(run: DockerRun): Mount[] {
  return run.options
    .filter(([name, value]) => name === "volume" && value.startsWith("/"))
    .map(([, value]) => {
      const [host = "", container = "", mode = ""] = value.split(":");
      return { host, container, readOnly: mode.split(",").includes("ro") };
    });
}

/** The long flags a command line uses (--name=value or --name value), as --name. */
export const longFlags = (words: string[]): string[] =>
  words.filter((w) => w.startsWith("--")).map((w) => w.split("=", 1)[0] ?? w);

/** The flags and environment variables `fleetscope <command> --help` lists. */
export async function helpOf(command: string): Promise<{ flags: Set<string>; envs: Set<string> }> {
  const r = await runCli([command, "--help"]);
  if (r.code !== 0) throw new Error(`fleetscope ${command} --help exited ${r.code}: ${r.stderr}`);
  // Option lines are indented by two spaces; wrapped descriptions (which name flags too) by more.
  const matches = (re: RegExp) => new Set([...r.stdout.matchAll(re)].map((m) => m[1] ?? ""));
  const flags = matches(/^ {2}(?:-[a-zA-Z], )?(--[a-z0-9-]+)/gm);
  const envs = matches(/env:\s*(FLEETSCOPE_[A-Z0-9_]+)/g);
  return { flags, envs };
}

export const readText = (path: string): string => readFileSync(path, "utf8");

export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
};

/** Every document of deploy/kubernetes/ and its secrets/ templates, with its file. */
export function kubernetesManifests(): Array<{ file: string; manifest: Manifest }> {
  const files = [...deployFiles("kubernetes", ".yaml"), ...deployFiles("kubernetes/secrets", ".yaml")];
  return files.flatMap((file) =>
    // YAML 1.1, as kubectl reads it (0440 is octal there, decimal 440 in YAML 1.2).
    parseAllDocuments(readText(file), { version: "1.1" }).map((doc) => {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
      return { file, manifest: doc.toJS() as Manifest };
    }),
  );
}

/** The one manifest of that kind. */
export function manifestOf(kind: string): Manifest & { spec: Record<string, unknown> } {
  const found = kubernetesManifests().filter((d) => d.manifest.kind === kind);
  const [first] = found;
  if (!first?.manifest.spec || found.length !== 1)
    throw new Error(`expected one ${kind}, found ${found.length}`);
  return first.manifest as Manifest & { spec: Record<string, unknown> };
}

export interface Probe {
  httpGet?: { path: string; port: string };
  tcpSocket?: { port: string };
}
export interface Container {
  name: string;
  args: string[];
  env?: Array<{ name: string }>;
  ports: Array<{ name: string; containerPort: number }>;
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  livenessProbe: Probe;
  readinessProbe: Probe;
}
export interface PodSpec {
  containers: Container[];
  volumes: Array<{ name: string; hostPath?: { path: string } }>;
  hostPID?: boolean;
}

/** The pod template's spec of a DaemonSet or StatefulSet. */
export const podOf = (m: Manifest & { spec: Record<string, unknown> }): PodSpec =>
  (m.spec.template as { spec: PodSpec }).spec;

/** The pod's one container. */
export function containerOf(pod: PodSpec): Container {
  const [container] = pod.containers;
  if (!container || pod.containers.length !== 1)
    throw new Error(`expected one container, found ${pod.containers.length}`);
  return container;
}

/** The fleet collector unit's own host directories (its settings, its spool). */
export const FLEET_COLLECTOR_OWN = {
  ETC: "/etc/fleetscope",
  SPOOL: "/var/lib/fleetscope-collector",
} as const;
/** The unit takes its aggregator and token from etcd; tests and benches name them directly. */
const ETCD_FLAGS = ["--etcd", "--aggregator-from-etcd", "--token-from-etcd"];

/**
 * The fleet collector unit's `docker run`, for running its container here: its options with
 * `name` and its two own directories under `dir` (`own`: `_etc_fleetscope`,
 * `_var_lib_fleetscope-collector`), and its collector words after the image without the etcd flags
 * and `$VARIABLES`, `%H` → `hostName`.
 */
export function fleetCollectorRun(name: string, dir: string, hostName: string) {
  const run = parseDockerRun(
    commandWords(
      unitValue(
        parseUnit(readText(deployFile("fleet/fleetscope-collector.service"))),
        "Service",
        "ExecStart",
      ),
    ),
  );
  const hostDir = (path: string) => join(dir, path.replaceAll("/", "_"));
  const own = { etc: hostDir(FLEET_COLLECTOR_OWN.ETC), spool: hostDir(FLEET_COLLECTOR_OWN.SPOOL) };
  const options = run.options.map(([option, value]) => {
    if (option === "name") return `--name=${name}`;
    const mine = Object.values(FLEET_COLLECTOR_OWN).find(
      (o) => option === "volume" && value.startsWith(`${o}:`),
    );
    if (mine) return `--volume=${hostDir(mine)}${value.slice(mine.length)}`;
    return value === "" ? `--${option}` : `--${option}=${value}`;
  });
  const command = run.command
    .filter((w) => !w.startsWith("$") && !ETCD_FLAGS.includes(w.split("=", 1)[0] ?? w))
    .map((w) => w.replaceAll("%H", hostName));
  return { options, command, own };
}
