/**
 * What the dashboard needs beyond the REST API: the page itself (`/` and `/dashboard`)
 * and its script, who a token is (`/v1/whoami`), the namespaces of a tenant this server
 * serves, a group's members with their details one page at a time (a group of 10 000
 * is never sent whole), a group's traffic, the cluster's nodes, and a stream of the
 * scope's membership events and traffic as server-sent events. Every route of a
 * tenant takes the same token as the API (EventSource cannot set headers, so it may
 * come as `?token=`).
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { ActorSystem, ProcessGroups } from "../index.js";
import { type TenantAuth, tokenOf } from "./auth.js";
import { DASHBOARD_HTML } from "./dashboard-page.js";
import type { Traffic } from "./traffic.js";

export interface DashboardContext {
  readonly system: ActorSystem;
  readonly auth: TenantAuth;
  readonly traffic: Traffic;
  handle(tenantId: string, namespace: string): ProcessGroups;
  served(): Iterable<ProcessGroups>;
}

type ScopeParams = { tenantId: string; namespace: string };
type GroupParams = ScopeParams & { group: string };

const MAX_PAGE = 500;

export function registerDashboard(app: FastifyInstance, context: DashboardContext): void {
  // Built next to this module: dist/src/dashboard/app.js beside dist/src/server/.
  let script: string | null = null;
  const page = (_request: unknown, reply: { type(t: string): { send(b: string): unknown } }) =>
    reply.type("text/html; charset=utf-8").send(DASHBOARD_HTML);
  app.get("/", { schema: { hide: true } }, page);
  app.get("/dashboard", { schema: { hide: true } }, page);
  app.get("/dashboard/app.js", { schema: { hide: true } }, async (_request, reply) => {
    script ??= readFileSync(new URL("../dashboard/app.js", import.meta.url), "utf8");
    return reply.type("text/javascript; charset=utf-8").send(script);
  });

  app.get("/v1/whoami", { schema: { hide: true } }, async (request) => {
    const tenant = context.auth.tenantOf(tokenOf(request.headers.authorization, request.query));
    return { tenant, open: context.auth.isOpen, nodeId: context.system.nodeId };
  });

  app.get("/v1/cluster", { schema: { hide: true } }, async (request) => {
    context.auth.tenantOf(tokenOf(request.headers.authorization, request.query)); // any tenant's token
    return { self: context.system.nodeId, status: context.system.status, nodes: context.system.liveNodes };
  });

  app.get<{ Params: { tenantId: string } }>(
    "/v1/tenants/:tenantId/namespaces",
    { schema: { hide: true } },
    async (request) => {
      const namespaces = new Set<string>();
      for (const handle of context.served()) {
        if (handle.scope.tenantId === request.params.tenantId) namespaces.add(handle.scope.namespace);
      }
      return { namespaces: [...namespaces].sort() };
    },
  );

  app.get<{ Params: GroupParams; Querystring: { offset?: string; limit?: string; token?: string } }>(
    "/v1/tenants/:tenantId/namespaces/:namespace/groups/:group/members/details",
    { schema: { hide: true } },
    async (request) => {
      const { tenantId, namespace, group } = request.params;
      const members = await context.handle(tenantId, namespace).describeMembers(group);
      const offset = clamp(request.query.offset, 0, members.length);
      const limit = clamp(request.query.limit, 1, MAX_PAGE, 100);
      // Grouped by node, this node's first, so a page reads as the dashboard shows it.
      const self = context.system.nodeId;
      members.sort((a, b) =>
        a.nodeId === b.nodeId
          ? a.actorId.localeCompare(b.actorId)
          : a.nodeId === self
            ? -1
            : b.nodeId === self
              ? 1
              : a.nodeId.localeCompare(b.nodeId),
      );
      const perNode: Record<string, number> = {};
      for (const m of members) perNode[m.nodeId] = (perNode[m.nodeId] ?? 0) + 1;
      return { total: members.length, offset, perNode, members: members.slice(offset, offset + limit) };
    },
  );

  app.get<{ Params: GroupParams }>(
    "/v1/tenants/:tenantId/namespaces/:namespace/groups/:group/traffic",
    { schema: { hide: true } },
    async (request) => {
      const { tenantId, namespace, group } = request.params;
      await context.handle(tenantId, namespace).getGroup(group); // 404 for a group that is not there
      const scopeKey = `${tenantId}/${namespace}`;
      return {
        series: context.traffic.series(scopeKey, group),
        recent: context.traffic.recent(scopeKey, group),
      };
    },
  );

  app.get<{ Params: ScopeParams }>(
    "/v1/tenants/:tenantId/namespaces/:namespace/events",
    { schema: { hide: true } },
    async (request, reply) => {
      const { tenantId, namespace } = request.params;
      const groups = context.handle(tenantId, namespace);
      const stop = new AbortController();
      const events = groups.watch(undefined, { signal: stop.signal });
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      const send = (event: string, data: unknown) =>
        out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send("hello", { nodeId: context.system.nodeId });
      const ticker = setInterval(
        () => send("traffic", context.traffic.lastSecond(`${tenantId}/${namespace}`)),
        1_000,
      );
      ticker.unref();
      request.raw.on("close", () => {
        clearInterval(ticker);
        stop.abort();
      });
      try {
        for await (const event of events) send("membership", event);
      } catch {
        // the watch ended (overflow, shutdown): the client reconnects and reads again
      } finally {
        clearInterval(ticker);
        out.end();
      }
    },
  );
}

function clamp(value: string | undefined, min: number, max: number, fallback = min): number {
  const n = value === undefined ? fallback : Number(value);
  return Number.isSafeInteger(n) ? Math.min(Math.max(n, min), max) : fallback;
}
