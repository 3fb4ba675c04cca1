/**
 * The REST API: every operation of a scope's ProcessGroups under
 * `/v1/tenants/{tenantId}/namespaces/{namespace}/groups…`, with JSON bodies checked by
 * schema before anything runs. Names are checked by the library itself, which refuses
 * a bad one with its own typed error (400).
 */
import type { FastifyInstance } from "fastify";
import type { ProcessGroup, ProcessGroups, PublishResult } from "../index.js";
import { Sequencer } from "./envelope.js";
import type { ServerMetrics } from "./metrics.js";
import type { QuotaGuard } from "./quotas.js";
import type { Traffic } from "./traffic.js";

export interface RestContext {
  readonly nodeId: string;
  readonly metrics: ServerMetrics;
  readonly quotas: QuotaGuard;
  readonly traffic: Traffic;
  /** The handle of a scope, remembered as one this server serves. */
  handle(tenantId: string, namespace: string): ProcessGroups;
  /** Every scope served so far. */
  served(): Iterable<ProcessGroups>;
}

const scopeParams = {
  type: "object",
  required: ["tenantId", "namespace"],
  properties: { tenantId: { type: "string" }, namespace: { type: "string" } },
} as const;
const groupParams = {
  type: "object",
  required: ["tenantId", "namespace", "group"],
  properties: { tenantId: { type: "string" }, namespace: { type: "string" }, group: { type: "string" } },
} as const;
const errorResponse = {
  type: "object",
  properties: {
    error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
  },
} as const;
const groupResponse = {
  type: "object",
  properties: {
    name: { type: "string" },
    tenantId: { type: "string" },
    namespace: { type: "string" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    createdAt: { type: "string", format: "date-time" },
    memberCount: { type: "integer" },
  },
} as const;

type ScopeParams = { tenantId: string; namespace: string };
type GroupParams = ScopeParams & { group: string };

/** A group as JSON: its fields, `createdAt` as an ISO string. */
function groupJson(group: ProcessGroup): object {
  return { ...group, createdAt: group.createdAt.toISOString() };
}

function resultJson(result: PublishResult): object {
  return result.toJSON();
}

export function registerRest(app: FastifyInstance, context: RestContext): void {
  const base = "/v1/tenants/:tenantId/namespaces/:namespace/groups";
  const rest = new Sequencer(`rest@${context.nodeId}`);
  const tag = { tags: ["groups"] };

  app.post<{ Params: ScopeParams; Body: { name: string; labels?: Record<string, string> } }>(base, {
    schema: {
      ...tag,
      summary: "Create a group",
      params: scopeParams,
      body: {
        type: "object",
        required: ["name"],
        additionalProperties: false,
        properties: {
          name: { type: "string" },
          labels: { type: "object", additionalProperties: { type: "string" } },
        },
      },
      response: { 201: groupResponse, "4xx": errorResponse },
    },
    handler: async (request, reply) => {
      const { tenantId, namespace } = request.params;
      await context.quotas.checkGroups(tenantId, context.served());
      const groups = context.handle(tenantId, namespace);
      const { name, labels } = request.body;
      const group = await groups.createGroup(name, labels === undefined ? undefined : { labels });
      return reply.code(201).send(groupJson(group));
    },
  });

  app.get<{ Params: ScopeParams; Querystring: { pattern?: string; pageSize?: string; pageToken?: string } }>(
    base,
    {
      schema: {
        ...tag,
        summary: "List groups, in name order, optionally filtered by a glob",
        params: scopeParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            pattern: { type: "string" },
            pageSize: { type: "string", pattern: "^[0-9]{1,9}$" },
            pageToken: { type: "string" },
            token: { type: "string" },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              groups: { type: "array", items: groupResponse },
              nextPageToken: { type: "string" },
            },
          },
          "4xx": errorResponse,
        },
      },
      handler: async (request) => {
        const { tenantId, namespace } = request.params;
        const { pattern, pageSize, pageToken } = request.query;
        const page = await context.handle(tenantId, namespace).listGroups({
          ...(pattern !== undefined && { pattern }),
          ...(pageSize !== undefined && { pageSize: Number(pageSize) }),
          ...(pageToken !== undefined && { pageToken }),
        });
        return {
          groups: page.groups.map(groupJson),
          ...(page.nextPageToken && { nextPageToken: page.nextPageToken }),
        };
      },
    },
  );

  app.get<{ Params: GroupParams }>(`${base}/:group`, {
    schema: {
      ...tag,
      summary: "A group's metadata and member count",
      params: groupParams,
      response: { 200: groupResponse, "4xx": errorResponse },
    },
    handler: async (request) => {
      const { tenantId, namespace, group } = request.params;
      return groupJson(await context.handle(tenantId, namespace).getGroup(group));
    },
  });

  app.delete<{ Params: GroupParams }>(`${base}/:group`, {
    schema: { ...tag, summary: "Delete a group and every membership in it", params: groupParams },
    handler: async (request, reply) => {
      const { tenantId, namespace, group } = request.params;
      await context.handle(tenantId, namespace).deleteGroup(group);
      return reply.code(204).send();
    },
  });

  app.get<{ Params: GroupParams; Querystring: { local?: "true" | "false" } }>(`${base}/:group/members`, {
    schema: {
      ...tag,
      summary: "A group's members, on every node or (local=true) on this one",
      params: groupParams,
      querystring: {
        type: "object",
        additionalProperties: false,
        properties: { local: { type: "string", enum: ["true", "false"] }, token: { type: "string" } },
      },
      response: {
        200: { type: "object", properties: { members: { type: "array", items: { type: "string" } } } },
        "4xx": errorResponse,
      },
    },
    handler: async (request) => {
      const { tenantId, namespace, group } = request.params;
      const groups = context.handle(tenantId, namespace);
      const members =
        request.query.local === "true" ? await groups.getLocalMembers(group) : await groups.getMembers(group);
      return { members };
    },
  });

  app.post<{ Params: GroupParams; Body: { payload: unknown; topic?: string; exclude?: string | string[] } }>(
    `${base}/:group/publish`,
    {
      schema: {
        ...tag,
        summary: "Publish a message to a group's members (or those subscribed to its topic)",
        params: groupParams,
        body: {
          type: "object",
          required: ["payload"],
          additionalProperties: false,
          properties: {
            payload: {},
            topic: { type: "string" },
            exclude: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              recipients: { type: "array", items: { type: "string" } },
              localCount: { type: "integer" },
              remoteCount: { type: "integer" },
              perNode: { type: "object", additionalProperties: { type: "integer" } },
            },
          },
          "4xx": errorResponse,
        },
      },
      handler: async (request) => {
        const { tenantId, namespace, group } = request.params;
        const { payload, topic, exclude } = request.body;
        context.quotas.checkPayload(payload);
        const tenant = context.metrics.tenant(tenantId);
        const started = performance.now();
        const envelope = rest.envelope(`${tenantId}/${namespace}`, group, payload);
        const result = await context.handle(tenantId, namespace).publishToGroup(group, envelope, {
          ...(topic !== undefined && { topic }),
          ...(exclude !== undefined && { exclude }),
        });
        context.metrics.publishes.inc({ tenant, via: "rest" });
        context.metrics.publishSeconds.observe({ tenant }, (performance.now() - started) / 1_000);
        context.metrics.fanOut.observe({ tenant }, result.localCount + result.remoteCount);
        context.traffic.published(`${tenantId}/${namespace}`, group, {
          topic: topic ?? null,
          bytes: Buffer.byteLength(JSON.stringify(payload) ?? ""),
          recipients: result.localCount + result.remoteCount,
          from: envelope.from,
          payload,
        });
        return resultJson(result);
      },
    },
  );
}
