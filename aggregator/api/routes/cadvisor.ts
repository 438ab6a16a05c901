// cAdvisor-compatible REST (v1.3) on the aggregator, answered from the store: a cAdvisor client
// or dashboard pointed here sees the host chosen with ?host= (or the only one the store knows).
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import {
  CadvisorQuery,
  ContainerInfo,
  ContainerInfoMap,
  MachineInfo,
  MachineQuery,
} from "../../../protocol/api/cadvisor.ts";
import { answers } from "../../../protocol/api/ops.ts";
import { ContainerParams } from "../../../protocol/api/params.ts";
import {
  allDockerContainers,
  dockerContainer,
  dockerRoot,
  machineInfo,
  rootContainer,
  type StatsQuery,
} from "../../query/cadvisor.ts";
import { NotFound } from "../../query/errors.ts";
import { resolveHost } from "../../query/hosts.ts";
import type { Store } from "../../store/store.ts";
import type { ApiDeps } from "../deps.ts";

const statsQuery = (q: CadvisorQuery): StatsQuery => ({
  count: q.count ?? q.num_stats ?? 60,
  since: q.since,
  until: q.until,
});

const tags = ["cadvisor"];

export async function cadvisorRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  machineRoute(fastify, store);
  dockerRoutes(fastify, store);
  containerRoutes(fastify, store);
}

function machineRoute(fastify: FastifyInstance, store: Store): void {
  fastify.withTypeProvider<TypeBoxTypeProvider>().get(
    "/api/v1.3/machine",
    {
      schema: {
        summary: "cAdvisor MachineInfo of a host, from its latest heartbeat",
        tags,
        querystring: MachineQuery,
        response: answers(MachineInfo),
      },
    },
    async (req) => machineInfo(await resolveHost(store, req.query.host)),
  );
}

/** /api/v1.3/docker[/<container>]: Docker's containers keyed by cgroup name. */
function dockerRoutes(fastify: FastifyInstance, store: Store): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const allDocker = async (q: CadvisorQuery) =>
    allDockerContainers(store, await resolveHost(store, q.host), statsQuery(q));
  const dockerSchema = (summary: string) => ({
    summary,
    tags,
    querystring: CadvisorQuery,
    response: answers(ContainerInfoMap),
  });
  app.get(
    "/api/v1.3/docker/",
    { schema: dockerSchema("Every running Docker container (cAdvisor ContainerInfo), keyed by cgroup name") },
    async (req) => allDocker(req.query),
  );
  app.get(
    "/api/v1.3/docker",
    { schema: { ...dockerSchema("Same as /api/v1.3/docker/"), hide: true } },
    async (req) => allDocker(req.query),
  );

  app.get(
    "/api/v1.3/docker/:container",
    {
      schema: {
        ...dockerSchema(
          "One Docker container by name, id or id prefix (12+), as cAdvisor answers: a map of one, keyed by cgroup name",
        ),
        params: ContainerParams,
      },
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
}

/** /api/v1.3/containers[/<cgroup name>]: the machine (/), /docker and /docker/<id>. */
function containerRoutes(fastify: FastifyInstance, store: Store): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1.3/containers",
    {
      schema: {
        summary: "Same as /api/v1.3/containers/",
        tags,
        hide: true,
        querystring: CadvisorQuery,
        response: answers(ContainerInfo),
      },
    },
    async (req) => rootContainer(store, await resolveHost(store, req.query.host), statsQuery(req.query)),
  );
  app.get(
    "/api/v1.3/containers/*",
    {
      schema: {
        summary: "A container by absolute cgroup name: / (the machine), /docker, /docker/<id>",
        tags,
        params: Type.Object({ "*": Type.String() }),
        querystring: CadvisorQuery,
        response: answers(ContainerInfo),
      },
    },
    async (req) => {
      const host = await resolveHost(store, req.query.host);
      const path = req.params["*"].replace(/^\/+|\/+$/g, "");
      if (path === "") return rootContainer(store, host, statsQuery(req.query));
      if (path === "docker") return dockerRoot(store, host);
      const m = /^docker\/([^/]+)$/.exec(path);
      if (m) return dockerContainer(store, host, m[1] as string, statsQuery(req.query));
      throw new NotFound(`no container "/${path}": fleetscope knows /, /docker and /docker/<id>`);
    },
  );
}
