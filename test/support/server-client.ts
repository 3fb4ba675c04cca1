/**
 * A Chorus server for one test, on a free loopback port, and the clients a test needs:
 * `api` for REST calls (status and JSON body), and `member` for a WebSocket member that
 * records every frame and can wait for one.
 */
import WebSocket from "ws";
import { ActorSystem } from "../../src/index.js";
import { buildApp } from "../../src/server/app.js";
import { TenantAuth, type TokenTable } from "../../src/server/auth.js";
import type { Quotas } from "../../src/server/quotas.js";
import { eventually } from "./helpers.js";

export interface TestServer {
  readonly url: string;
  readonly system: ActorSystem;
  close(): Promise<void>;
}

export async function startServer(
  options: {
    tokens?: TokenTable;
    quotas?: Quotas;
    maxBodyBytes?: number;
    system?: ActorSystem;
    mailboxCapacity?: number;
    maxBufferedBytes?: number;
  } = {},
): Promise<TestServer> {
  const system = options.system ?? new ActorSystem({ nodeId: "server-node" });
  const { app } = await buildApp({
    system,
    ...(options.tokens !== undefined && { auth: new TenantAuth(options.tokens) }),
    ...(options.quotas !== undefined && { quotas: options.quotas }),
    ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    ...(options.mailboxCapacity !== undefined && { mailboxCapacity: options.mailboxCapacity }),
    ...(options.maxBufferedBytes !== undefined && { maxBufferedBytes: options.maxBufferedBytes }),
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    system,
    async close() {
      await app.close();
      await system.shutdown();
    },
  };
}

export interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON came back
  readonly body: any;
}

/** A REST call: the status and the parsed body (null when empty). */
export async function api(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; token?: string; contentType?: string } = {},
): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
      ...((options.body !== undefined || options.raw !== undefined) && {
        "content-type": options.contentType ?? "application/json",
      }),
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    ...(options.raw !== undefined && { body: options.raw }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}

export const scopePath = (tenant: string, namespace = "ns") =>
  `/v1/tenants/${tenant}/namespaces/${namespace}`;

export interface Member {
  readonly socket: WebSocket;
  /** Every frame received, parsed. */
  readonly frames: Record<string, unknown>[];
  send(frame: unknown): void;
  /** Sends a frame with a fresh id and resolves with the answer (ack or error) to it. */
  request(frame: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Resolves once a frame matching `match` has arrived (it may have already). */
  next(what: string, match: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** The close code and reason, once closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

let requests = 0;

/** Connects a WebSocket member; rejects with the HTTP status if the upgrade is refused. */
export function member(
  url: string,
  scope: string,
  query: Record<string, string> = {},
  token?: string,
): Promise<Member> {
  const target = new URL(`${url.replace(/^http/, "ws")}${scope}/ws`);
  for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
  const socket = new WebSocket(
    target,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
  const frames: Record<string, unknown>[] = [];
  socket.on("message", (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const next: Member["next"] = async (what, match) => {
    let found: Record<string, unknown> | undefined;
    await eventually(what, () => (found = frames.find(match)) !== undefined, 5_000);
    return found!;
  };
  return new Promise((resolve, reject) => {
    socket.once("unexpected-response", (_request, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`)),
    );
    socket.once("error", reject);
    socket.once("open", () =>
      resolve({
        socket,
        frames,
        closed,
        next,
        send: (frame) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
        async request(frame) {
          const id = `r${++requests}`;
          socket.send(JSON.stringify({ ...frame, id }));
          return next(`the answer to ${JSON.stringify(frame)}`, (f) => f.id === id);
        },
        async close() {
          socket.close();
          await closed;
        },
      }),
    );
  });
}
