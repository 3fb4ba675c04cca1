/**
 * `chorus serve`: a node as a server. It starts the ActorSystem (embedded, or one node
 * of a cluster when a Redis URL is given), builds the app, listens, and shuts down
 * gracefully on SIGTERM and SIGINT: it stops accepting, closes every WebSocket with
 * 1001 (going away), lets the node leave its groups, and resolves so the process can
 * exit 0. With no tenant tokens it refuses to listen beyond loopback.
 */
import pino, { type Logger } from "pino";
import type { Registry } from "prom-client";
import { ActorSystem } from "../index.js";
import { buildApp } from "./app.js";
import { loadTokens, TenantAuth } from "./auth.js";
import type { Quotas } from "./quotas.js";
import { CLOSE } from "./wire.js";

/** The options of `serve`; `chorus serve` sets them from its flags and environment. */
export interface ServeOptions {
  /** Port to listen on; 0 picks a free one. Default: 7420. */
  readonly port?: number;
  /** Interface to listen on. Default: 127.0.0.1 (loopback). */
  readonly host?: string;
  /** This node's id. Default: the library's (local, or a unique one over Redis). */
  readonly nodeId?: string;
  /** A Redis URL: the node joins the cluster there. Default: embedded. */
  readonly redis?: string;
  /** Key and channel prefix of the cluster. Default: `chorus`. */
  readonly prefix?: string;
  /** A token file (JSON `{ "tenants": { "<tenant>": ["<token>", …] } }`). */
  readonly tokenFile?: string;
  /** Tokens as `tenant:token,tenant:token` (CHORUS_TOKENS). */
  readonly tokens?: string;
  /** Per-tenant limits; each one left out has its default. */
  readonly quotas?: Quotas;
  /** Largest request body or WebSocket frame. Default: 2 MiB. */
  readonly maxBodyBytes?: number;
  /** pino level: fatal, error, warn, info, debug, trace, silent. Default: info. */
  readonly logLevel?: string;
  /** Where logs go. Default: stdout, as JSON lines. */
  readonly logger?: Logger;
  /** Where the metrics are registered. Default: a registry of the server's own. */
  readonly registry?: Registry;
}

/** A server `serve` started. */
export interface RunningServer {
  /** `http://host:port` as listened on. */
  readonly url: string;
  /** The node it serves; `close` shuts it down. */
  readonly system: ActorSystem;
  /** Stops accepting, closes every WebSocket (1001), shuts the node down. Idempotent. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * Starts a node (embedded, or over Redis with `redis`) and serves it over HTTP and
 * WebSocket, as `chorus serve` does. Rejects before starting the node when a token is
 * bad, or when none is configured and `host` is not loopback; when the node cannot
 * start (Redis unreachable) or the port is taken, it rejects with what it opened closed.
 */
export async function serve(options: ServeOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: options.logLevel ?? "info", base: { service: "chorus" } });
  const host = options.host ?? "127.0.0.1";
  const auth = new TenantAuth(loadTokens(options.tokenFile, options.tokens));
  if (auth.isOpen && !LOOPBACK.has(host)) {
    throw new Error(`no tenant tokens are configured: refusing to listen on ${host} (only on loopback)`);
  }
  const system = await ActorSystem.start({
    ...(options.nodeId !== undefined && { nodeId: options.nodeId }),
    ...(options.redis !== undefined && {
      cluster: {
        redis: options.redis,
        ...(options.prefix !== undefined && { prefix: options.prefix }),
        onError: (error) => logger.warn({ code: error.code, err: error.message }, "background error"),
      },
    }),
    onActorError: (error, actor) => logger.warn({ actor: String(actor), err: String(error) }, "actor failed"),
  });
  let built: Awaited<ReturnType<typeof buildApp>>;
  try {
    built = await buildApp({
      system,
      auth,
      ...(options.quotas !== undefined && { quotas: options.quotas }),
      ...(options.registry !== undefined && { registry: options.registry }),
      ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
      logger: logger.child({ component: "http" }),
    });
    await built.app.listen({ port: options.port ?? 7420, host });
  } catch (error) {
    await system.shutdown();
    throw error;
  }
  const { app } = built;
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  logger.info(
    { url, nodeId: system.nodeId, mode: options.redis === undefined ? "embedded" : "cluster" },
    auth.isOpen
      ? "listening on loopback only: no tenant tokens are configured, so any tenant is served"
      : "listening",
  );
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const client of app.websocketServer?.clients ?? [])
        client.close(CLOSE.goingAway, "server shutting down");
      await app.close();
      await system.shutdown();
      logger.info("stopped");
    })();
    return closing;
  };
  return { url, system, close };
}

/** Closes `server` on SIGTERM or SIGINT, then exits 0 (1 if closing failed). */
export function exitOnSignals(server: RunningServer): void {
  const stop = (signal: string) => {
    void server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`chorus: stopping on ${signal} failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}
