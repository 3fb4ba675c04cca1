/**
 * The Chorus server as a Fastify application over a running ActorSystem: the REST API
 * (rest.ts), WebSocket members (ws-member.ts), tenant auth on every route of a tenant,
 * `/metrics`, `/healthz`, `/readyz` and the OpenAPI document at `/v1/openapi.json`.
 * Every error leaves as `{ error: { code, message } }` with the status wire.ts gives it.
 * It owns no process state: `serve.ts` starts the system, listens and handles signals.
 */
import fastifySwagger from "@fastify/swagger";
import fastifyWebsocket from "@fastify/websocket";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import type { ActorSystem, ProcessGroups } from "../index.js";
import { TenantAuth, tokenOf } from "./auth.js";
import { registerDashboard } from "./dashboard.js";
import { ServerMetrics } from "./metrics.js";
import { QuotaGuard, type Quotas } from "./quotas.js";
import { registerRest } from "./rest.js";
import { Traffic } from "./traffic.js";
import { describeError, ServerError } from "./wire.js";
import { serveMember } from "./ws-member.js";

/** What `buildApp` serves, and its limits. */
export interface AppOptions {
  /** The node to serve, started by the caller, who also shuts it down. */
  readonly system: ActorSystem;
  /** Who may act for which tenant. Default: open (any tenant). */
  readonly auth?: TenantAuth;
  /** Per-tenant limits; each one left out has its default. */
  readonly quotas?: Quotas;
  /** Where the metrics are registered. Default: a registry of the server's own. */
  readonly registry?: Registry;
  /** Where requests and errors are logged (a pino logger). Default: nowhere. */
  readonly logger?: FastifyBaseLogger;
  /** Largest request body or WebSocket frame, in bytes. Default: 2 MiB. */
  readonly maxBodyBytes?: number;
  /** Mailbox of each WebSocket member (drop-oldest past it). Default: 1 024. */
  readonly mailboxCapacity?: number;
  /** Unsent bytes on a WebSocket past which its member waits (its mailbox fills). Default: 1 MiB. */
  readonly maxBufferedBytes?: number;
}

/** What `buildApp` made. */
export interface ChorusApp {
  /** The Fastify app, not yet listening: `listen` it, or `inject` requests in tests. */
  readonly app: FastifyInstance;
  /** Where the server's metrics are, as `/metrics` serves them. */
  readonly registry: Registry;
}

const SCOPE = "/v1/tenants/:tenantId/namespaces/:namespace";

/**
 * The server's routes over a running system, as a Fastify app: REST, WebSocket members,
 * `/metrics`, `/healthz`, `/readyz` and `/v1/openapi.json`. Closing the app leaves the
 * system running.
 */
export async function buildApp(options: AppOptions): Promise<ChorusApp> {
  const { system } = options;
  const auth = options.auth ?? new TenantAuth({});
  const registry = options.registry ?? new Registry();
  const maxBodyBytes = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const app = Fastify({
    ...(options.logger !== undefined ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: maxBodyBytes,
    // Unknown fields are refused, not dropped, and nothing is coerced: a 5 is no name.
    // (Query parameters are strings and are read as such by the routes.)
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  const served = new Map<string, ProcessGroups>();
  const handle = (tenantId: string, namespace: string): ProcessGroups => {
    const key = `${tenantId}/${namespace}`;
    let groups = served.get(key);
    if (groups === undefined) {
      groups = system.groups({ tenantId, namespace }); // refuses bad names before anything is kept
      served.set(key, groups);
    }
    return groups;
  };
  const metrics = new ServerMetrics(registry, system, () => served.values());
  const quotas = new QuotaGuard(options.quotas);
  const traffic = new Traffic();

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "Chorus",
        version: "1",
        description: "Process groups for actors, over HTTP and WebSocket",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: maxBodyBytes } });

  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = describeError(fromFastify(error));
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const { status, body } = describeError(
      new ServerError(404, "NOT_FOUND", `no route ${request.method} ${request.url}`),
    );
    return reply.code(status).send(body);
  });
  // Every route of a tenant: the token must be that tenant's (401 without, 403 another's).
  app.addHook("preValidation", async (request) => {
    const tenantId = (request.params as { tenantId?: unknown } | undefined)?.tenantId;
    if (typeof tenantId === "string")
      auth.authorize(tokenOf(request.headers.authorization, request.query), tenantId);
  });

  registerRest(app, {
    nodeId: system.nodeId,
    metrics,
    quotas,
    traffic,
    handle,
    served: () => served.values(),
  });
  registerDashboard(app, { system, auth, traffic, handle, served: () => served.values() });

  app.get<{ Params: { tenantId: string; namespace: string }; Querystring: { actorId?: string } }>(
    `${SCOPE}/ws`,
    { websocket: true, schema: { hide: true } },
    (socket, request) => {
      const { tenantId, namespace } = request.params;
      let groups: ProcessGroups;
      try {
        groups = handle(tenantId, namespace);
      } catch (error) {
        const { body } = describeError(error);
        socket.send(JSON.stringify({ type: "error", error: body.error }));
        socket.close(4400, body.error.code);
        return;
      }
      const actorId = request.query.actorId ?? `ws-${Math.random().toString(36).slice(2, 12)}`;
      serveMember(socket, {
        system,
        groups,
        actorId,
        metrics,
        quotas,
        traffic,
        mailboxCapacity: options.mailboxCapacity ?? 1_024,
        maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      });
    },
  );

  app.get("/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const status = system.status;
    return reply.code(status === "ready" ? 200 : 503).send({ status });
  });
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    return reply.header("content-type", registry.contentType).send(await registry.metrics());
  });
  return { app, registry };
}

// Fastify's own errors (a schema, a body too large, malformed JSON) in the server's terms.
function fromFastify(error: unknown): unknown {
  const e = error as { code?: string; statusCode?: number; validation?: unknown; message?: string };
  if (e.validation !== undefined) return new ServerError(400, "BAD_REQUEST", e.message ?? "invalid request");
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new ServerError(413, "PAYLOAD_TOO_LARGE", "the request body is too large");
  }
  if (
    typeof e.statusCode === "number" &&
    e.statusCode >= 400 &&
    e.statusCode < 500 &&
    typeof e.code === "string"
  ) {
    return new ServerError(400, "BAD_REQUEST", e.message ?? "bad request");
  }
  return error;
}
