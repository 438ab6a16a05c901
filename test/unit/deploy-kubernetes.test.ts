// deploy/kubernetes/: every manifest against the Kubernetes OpenAPI schemas (kubernetes-models
// ships them), the DaemonSet's host mounts against the fleet unit's, and the flags, ports and
// probes of the containers against the fleetscope command they run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DaemonSet, StatefulSet } from "kubernetes-models/apps/v1";
import { Namespace, Secret, Service } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import {
  bindMounts,
  commandWords,
  containerOf,
  deployFile,
  helpOf,
  kubernetesManifests,
  longFlags,
  type Manifest,
  type Mount,
  manifestOf,
  parseDockerRun,
  parseUnit,
  podOf,
  readText,
  unitValue,
} from "../helpers/deploy.ts";
import { REPO } from "../helpers/stack.ts";

/** The model class of each kind the manifests use; its validate() checks the official schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/DaemonSet": DaemonSet,
  "apps/v1/StatefulSet": StatefulSet,
};

/** Problems the schema finds in a manifest, as text; "" when it is valid. */
function schemaProblems(m: Manifest): string {
  const Model = MODELS[`${m.apiVersion}/${m.kind}`];
  if (!Model) return `no schema for ${m.apiVersion} ${m.kind} in this test: add its model`;
  try {
    new Model(m as never).validate();
    return "";
  } catch (err) {
    return String(err);
  }
}

/**
 * Fields the schema does not know, as `kubectl apply --validate=strict` refuses them (the
 * validators above, like a lenient API server, ignore them: `readOnyl: true` would pass). Each
 * manifest becomes an object literal typed by its kubernetes-models interface, generated from the
 * same OpenAPI document, and TypeScript's excess property check names any unknown field.
 */
function unknownFields(manifests: Manifest[]): string {
  const dir = mkdtempSync(join(tmpdir(), "fleetscope-k8s-fields-"));
  try {
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
    const lines = manifests.map((m, i) => {
      const module = `kubernetes-models/${m.apiVersion}/${m.kind}`;
      return `import type { I${m.kind} as T${i} } from "${module}";\nexport const m${i}: T${i} = ${JSON.stringify(m)};`;
    });
    writeFileSync(join(dir, "manifests.ts"), `${lines.join("\n")}\n`);
    const tsc = join(REPO, "node_modules", ".bin", "tsc");
    const flags = ["--ignoreConfig", "--noEmit", "--strict", "--module", "nodenext", "--target", "es2022"];
    const r = spawnSync(tsc, [...flags, join(dir, "manifests.ts")], { encoding: "utf8" });
    if (r.error) throw r.error;
    return r.status === 0 ? "" : `${r.stdout}${r.stderr}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ALL = kubernetesManifests();

describe("the Kubernetes manifests", () => {
  it("are a Namespace, the aggregator's Service and StatefulSet, the collector's DaemonSet and two Secrets", () => {
    expect(ALL.map((d) => d.manifest.kind).sort()).toEqual([
      "DaemonSet",
      "Namespace",
      "Secret",
      "Secret",
      "Service",
      "StatefulSet",
    ]);
  });

  it.each(ALL.map((d) => [`${d.manifest.kind} ${d.manifest.metadata.name}`, d.manifest] as const))(
    "%s is valid against the Kubernetes schema",
    (_name, manifest) => {
      expect(schemaProblems(manifest)).toBe("");
    },
  );

  it("have no field the schema does not know", () => {
    expect(unknownFields(ALL.map((d) => d.manifest))).toBe("");
  });

  it("the field check names a misspelt field", () => {
    const ds = structuredClone(manifestOf("DaemonSet"));
    const mounts = podOf(ds).containers[0]?.volumeMounts ?? [];
    mounts[0] = { ...mounts[0], readOnyl: true } as never;
    expect(unknownFields([ds])).toMatch(/readOnyl\W* does not exist in type 'IVolumeMount'/);
  });

  it("the schema check refuses a wrong type and a required field left out", () => {
    const ds = structuredClone(manifestOf("DaemonSet"));
    (ds.spec.template as { spec: Record<string, unknown> }).spec.hostPID = "yes";
    expect(schemaProblems(ds)).toMatch(/hostPID/);
    const sts = structuredClone(manifestOf("StatefulSet"));
    delete sts.spec.selector;
    expect(schemaProblems(sts)).toMatch(/selector/);
  });
});

describe("the collector DaemonSet", () => {
  const pod = podOf(manifestOf("DaemonSet"));
  const collector = containerOf(pod);

  it("mounts the same host paths, read-only the same way, as the fleet unit's container", () => {
    const hostPathOf = new Map(pod.volumes.map((v) => [v.name, v.hostPath?.path]));
    const daemonSet: Mount[] = collector.volumeMounts
      .filter((m) => hostPathOf.get(m.name))
      .map((m) => ({
        host: hostPathOf.get(m.name) as string,
        container: m.mountPath,
        readOnly: m.readOnly === true,
      }));
    const unit = parseUnit(readText(deployFile("fleet/fleetscope-collector.service")));
    const run = parseDockerRun(commandWords(unitValue(unit, "Service", "ExecStart")));
    // The fleet unit's /etc/fleetscope (the CA, read by --ca) is a Secret here, not a host path.
    const fleet = bindMounts(run).filter((m) => m.host !== "/etc/fleetscope");
    const byHost = (a: Mount, b: Mount) => a.host.localeCompare(b.host);
    expect(daemonSet.sort(byHost)).toEqual(fleet.sort(byHost));
    expect(pod.hostPID).toBe(true);
  });

  it("takes the token from the Secret as a file, never from the environment", () => {
    const tokenFile =
      collector.args.find((a) => a.startsWith("--token-file="))?.slice("--token-file=".length) ?? "";
    const secretVolume = pod.volumes.find((v) => "secret" in v) as {
      name: string;
      secret: { secretName: string };
    };
    const mount = collector.volumeMounts.find((m) => m.name === secretVolume.name);
    expect(tokenFile.startsWith(`${mount?.mountPath}/`)).toBe(true);
    const template = ALL.find(
      (d) => d.manifest.kind === "Secret" && d.manifest.metadata.name === secretVolume.secret.secretName,
    )?.manifest as { stringData?: object } | undefined;
    expect(Object.keys(template?.stringData ?? {})).toContain(tokenFile.split("/").pop());
    expect(JSON.stringify(collector.env ?? [])).not.toMatch(/TOKEN/);
  });

  it("probes the port --metrics-listen serves", () => {
    const port = Number(
      collector.args
        .find((a) => a.startsWith("--metrics-listen="))
        ?.split(":")
        .pop(),
    );
    const metrics = collector.ports.find((p) => p.name === collector.livenessProbe.httpGet?.port);
    expect(metrics?.containerPort).toBe(port);
    expect(collector.readinessProbe.httpGet?.port).toBe(metrics?.name);
  });
});

describe("the aggregator StatefulSet and Service", () => {
  const sts = manifestOf("StatefulSet");
  const aggregator = containerOf(podOf(sts));
  const portOf = (flag: string) =>
    Number(
      aggregator.args
        .find((a) => a.startsWith(`${flag}=`))
        ?.split(":")
        .pop(),
    );

  it("is ready on /healthz of the ingest listener, and its ports are the listeners'", () => {
    const ports = new Map(aggregator.ports.map((p) => [p.name, p.containerPort]));
    expect(aggregator.readinessProbe.httpGet?.path).toBe("/healthz");
    expect(ports.get(aggregator.readinessProbe.httpGet?.port ?? "")).toBe(portOf("--ingest-listen"));
    expect(ports.get(aggregator.livenessProbe.tcpSocket?.port ?? "")).toBe(portOf("--listen"));
    expect(sts.spec.volumeClaimTemplates).toBeDefined();
  });

  it("has a Service for both listeners, reaching the StatefulSet's pods", () => {
    const svc = manifestOf("Service");
    const spec = svc.spec as { selector: object; ports: Array<{ targetPort: string }> };
    const labels = (sts.spec.template as { metadata: { labels: object } }).metadata.labels;
    expect(labels).toMatchObject(spec.selector);
    expect(spec.ports.map((p) => p.targetPort).sort()).toEqual(aggregator.ports.map((p) => p.name).sort());
  });
});

describe("every flag the containers use exists", () => {
  it.each([
    ["DaemonSet", "collector"],
    ["StatefulSet", "aggregator"],
  ])("the %s's in `fleetscope %s --help`", async (kind, command) => {
    const container = containerOf(podOf(manifestOf(kind)));
    expect(container.args[0]).toBe(command);
    const { flags } = await helpOf(command);
    for (const flag of longFlags(container.args.slice(1)))
      expect(flags.has(flag), `${kind}: ${flag}`).toBe(true);
  });
});
