// The Kubernetes probes in deploy/kubernetes/ ask real endpoints: a running collector answers its
// probe paths on --metrics-listen, and an aggregator answers its readiness path, all without a
// token (a probe carries none), while the aggregator's other routes refuse a request without one.
import { describe, expect, it } from "vitest";
import { containerOf, manifestOf, type Probe, podOf } from "../helpers/deploy.ts";
import { freePort, startCollector, tempDir, useAggregator } from "../helpers/stack.ts";

const httpPaths = (...probes: Probe[]): string[] =>
  probes.flatMap((p) => (p.httpGet ? [p.httpGet.path] : []));

describe("the manifests' probes", () => {
  const agg = useAggregator("deploy-probes");

  it("the aggregator's readiness path answers 200 without a token; an API route does not", async () => {
    const aggregator = containerOf(podOf(manifestOf("StatefulSet")));
    const paths = httpPaths(aggregator.readinessProbe, aggregator.livenessProbe);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect((await fetch(`${agg.url}${path}`)).status, path).toBe(200);
    expect((await fetch(`${agg.url}/api/v1/hosts`)).status).toBe(401);
  });

  it("the collector's probe paths answer 200 without a token on --metrics-listen", async () => {
    const collector = containerOf(podOf(manifestOf("DaemonSet")));
    const paths = httpPaths(collector.livenessProbe, collector.readinessProbe);
    expect(paths.length).toBe(2);
    const dir = await tempDir("deploy-probes");
    const port = await freePort();
    const proc = await startCollector(agg.url, `${dir.path}/spool`, [
      "--no-journal",
      "--metrics-listen",
      `127.0.0.1:${port}`,
    ]);
    try {
      for (const path of paths)
        expect((await fetch(`http://127.0.0.1:${port}${path}`)).status, path).toBe(200);
    } finally {
      await proc.stop();
      await dir.remove();
    }
  });
});
