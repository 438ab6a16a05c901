// cAdvisor-compatible REST (v1.3) on the aggregator, answered from the store: a cAdvisor client
// or dashboard pointed here sees the host chosen with ?host= (or the only one the store knows).
import type { FastifyInstance } from "fastify";
import {
  allDockerContainers,
  dockerContainer,
  dockerRoot,
  machineInfo,
  rootContainer,
  type StatsQuery,
} from "../../query/cadvisor.ts";
import { resolveHost } from "../../query/hosts.ts";
import type { ApiDeps } from "../deps.ts";
import { HttpError } from "../http-error.ts";
import { timeParams } from "../schemas.ts";

const HOST = {
  host: {
    type: "string",
    description: "host name as its collector reports it; default: the only host the store knows",
  },
} as const;

const STATS = {
  ...HOST,
  count: { type: "integer", minimum: 1, maximum: 10_000, description: "samples per container (default 60)" },
  num_stats: { type: "integer", minimum: 1, maximum: 10_000, description: "cAdvisor's name for count" },
  ...timeParams("15m"),
} as const;

type StatsQs = { host?: string; count?: number; num_stats?: number; since?: string; until?: string };

const statsQuery = (q: StatsQs): StatsQuery => ({
  count: q.count ?? q.num_stats ?? 60,
  since: q.since,
  until: q.until,
});

export async function cadvisorRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const tags = ["cadvisor"];

  app.get<{ Querystring: { host?: string } }>(
    "/api/v1.3/machine",
    {
      schema: {
        summary: "cAdvisor MachineInfo of a host, from its latest heartbeat",
        tags,
        querystring: { type: "object", additionalProperties: false, properties: HOST },
      },
    },
    async (req) => machineInfo(await resolveHost(store, req.query.host)),
  );

  const allDocker = async (q: StatsQs) =>
    allDockerContainers(store, await resolveHost(store, q.host), statsQuery(q));
  const dockerSchema = (summary: string) => ({
    summary,
    tags,
    querystring: { type: "object", additionalProperties: false, properties: STATS },
  });
  app.get<{ Querystring: StatsQs }>(
    "/api/v1.3/docker/",
    { schema: dockerSchema("Every running Docker container (cAdvisor ContainerInfo), keyed by cgroup name") },
    async (req) => allDocker(req.query),
  );
  app.get<{ Querystring: StatsQs }>(
    "/api/v1.3/docker",
    { schema: { ...dockerSchema("Same as /api/v1.3/docker/"), hide: true } },
    async (req) => allDocker(req.query),
  );

  app.get<{ Params: { container: string }; Querystring: StatsQs }>(
    "/api/v1.3/docker/:container",
    {
      schema: dockerSchema(
        "One Docker container by name, id or id prefix (12+), as cAdvisor answers: a map of one, keyed by cgroup name",
      ),
    },
    async (req) => {
      const info = await dockerContainer(
        store,
        await resolveHost(store, req.query.host),
        req.params.container,
        statsQuery(req.query),
      );
      return { [info.name]: info };
    },
  );

  app.get<{ Querystring: StatsQs }>(
    "/api/v1.3/containers",
    {
      schema: {
        summary: "Same as /api/v1.3/containers/",
        tags,
        hide: true,
        querystring: { type: "object", additionalProperties: false, properties: STATS },
      },
    },
    async (req) => rootContainer(store, await resolveHost(store, req.query.host), statsQuery(req.query)),
  );
  app.get<{ Params: { "*": string }; Querystring: StatsQs }>(
    "/api/v1.3/containers/*",
    {
      schema: {
        summary: "A container by absolute cgroup name: / (the machine), /docker, /docker/<id>",
        tags,
        querystring: { type: "object", additionalProperties: false, properties: STATS },
      },
    },
    async (req) => {
      const host = await resolveHost(store, req.query.host);
      const path = req.params["*"].replace(/^\/+|\/+$/g, "");
      if (path === "") return rootContainer(store, host, statsQuery(req.query));
      if (path === "docker") return dockerRoot(store, host);
      const m = /^docker\/([^/]+)$/.exec(path);
      if (m) return dockerContainer(store, host, m[1] as string, statsQuery(req.query));
      throw new HttpError(404, `no container "/${path}": fleetscope knows /, /docker and /docker/<id>`);
    },
  );
}
