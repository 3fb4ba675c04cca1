/**
 * One side of the server load benchmark, run as a child process of server-load.ts so
 * that neither the server nor its clients share an event loop with the load generator:
 *
 *   server   `chorus serve` (serve() on a free loopback port, logs silenced) with one
 *            group, or a Socket.IO server (default in-memory adapter) whose publish
 *            route is a Fastify POST doing `io.to(room).emit(…)`;
 *   clients  N WebSocket clients of that server, each joined to the group or room:
 *            `ws` speaking Chorus's member frames, or `socket.io-client` forced to
 *            the websocket transport.
 *
 * Every payload starts with its send time (wall clock at sub-millisecond precision,
 * which all the processes of one machine share); a client takes a delivery's latency
 * when it has parsed the message. Its config is JSON in CHORUS_BENCH_SERVER_LOAD.
 */
import { performance } from "node:perf_hooks";
import type { io, Socket } from "socket.io-client";
import type { WebSocket } from "ws";

export type ServerKind = "chorus" | "socket.io";

export interface ChildConfig {
  readonly kind: ServerKind;
  readonly role: "server" | "clients";
  /** The server's base URL (clients only). */
  readonly url?: string;
  readonly clients: number;
}

export type ChildRequest =
  /** Resolves with the deliveries so far once `count` more have arrived. */
  | { readonly id: number; readonly op: "expect"; readonly count: number }
  /** Latency of the deliveries since the last `expect`. */
  | { readonly id: number; readonly op: "latencies" }
  /** Deliveries the last `expect` still waits for, and payloads that were not a string. */
  | { readonly id: number; readonly op: "missing" }
  /** CPU time this process has used so far, user + system, in µs. */
  | { readonly id: number; readonly op: "cpu" }
  | { readonly id: number; readonly op: "close" };

/** What a server reports once it listens: where it is and where to POST a publish. */
export interface ServerInfo {
  readonly url: string;
  readonly publishPath: string;
}

export interface Latencies {
  readonly count: number;
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export type ChildMessage =
  | { readonly type: "ready"; readonly server: ServerInfo | null }
  | { readonly type: "reply"; readonly id: number; readonly result: unknown }
  | { readonly type: "failed"; readonly id: number | null; readonly error: string };

const TENANT = "bench";
const NAMESPACE = "load";
const GROUP = "room";
const SCOPE = `/v1/tenants/${TENANT}/namespaces/${NAMESPACE}`;

interface Running {
  readonly server: ServerInfo | null;
  close(): Promise<void>;
}

const config = JSON.parse(process.env.CHORUS_BENCH_SERVER_LOAD ?? "{}") as ChildConfig;

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Deliveries counted over all the clients of this process. */
const sink = {
  received: 0,
  target: Number.POSITIVE_INFINITY,
  onTarget: null as (() => void) | null,
  // Preallocated per `expect` (deliveries × 8 bytes), so recording allocates nothing.
  latencies: new Float64Array(0),
  recorded: 0,
  malformed: 0,
};

function receive(payload: unknown): void {
  if (typeof payload !== "string") {
    // Not counted: a delivery that lost its payload must show as missing, not pass.
    sink.malformed++;
    return;
  }
  const latency = now() - Number(payload.slice(0, payload.indexOf("|")));
  if (sink.recorded < sink.latencies.length) sink.latencies[sink.recorded++] = latency;
  if (++sink.received >= sink.target && sink.onTarget !== null) {
    const done = sink.onTarget;
    sink.onTarget = null;
    done();
  }
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function latencies(): Latencies {
  const sorted = sink.latencies.subarray(0, sink.recorded).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

// Each child imports only what its role and kind use (below, when it starts): loading
// both servers and both clients in every child made starting a run take seconds.

async function chorusServer(): Promise<Running> {
  const { serve } = await import("../src/server/serve.js");
  // The server as `chorus serve` runs it, defaults included (mailboxes, buffers, metrics).
  const server = await serve({ port: 0, logLevel: "silent" });
  await server.system.groups({ tenantId: TENANT, namespace: NAMESPACE }).createGroup(GROUP);
  return {
    server: { url: server.url, publishPath: `${SCOPE}/groups/${GROUP}/publish` },
    close: () => server.close(),
  };
}

async function socketIoServer(): Promise<Running> {
  // The same HTTP stack as Chorus's (Fastify, JSON body, a required `payload`), so the
  // two differ in the fan-out and its wire, not in how a POST is parsed.
  const [{ default: Fastify }, { Server }] = await Promise.all([import("fastify"), import("socket.io")]);
  const app = Fastify({ logger: false });
  const io = new Server(app.server, { serveClient: false });
  io.on("connection", (socket) => {
    socket.on("join", (room: unknown, ack: unknown) => {
      if (typeof room === "string") void socket.join(room);
      if (typeof ack === "function") ack();
    });
  });
  app.post<{ Body: { payload: unknown } }>(
    "/publish",
    {
      schema: {
        body: {
          type: "object",
          required: ["payload"],
          additionalProperties: false,
          properties: { payload: {} },
        },
      },
    },
    async (request) => {
      io.to(GROUP).emit("message", request.body.payload);
      return { recipients: io.sockets.adapter.rooms.get(GROUP)?.size ?? 0 };
    },
  );
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    server: { url: `http://127.0.0.1:${port}`, publishPath: "/publish" },
    // io.close() disconnects every socket and closes the HTTP server Fastify listens on.
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}

function chorusClient(Client: typeof WebSocket, url: string, index: number): Promise<WebSocket> {
  const target = `${url.replace(/^http/, "ws")}${SCOPE}/ws?actorId=client-${index}`;
  const socket = new Client(target);
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("open", () => socket.send(JSON.stringify({ type: "join", group: GROUP, id: "join" })));
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { type: string; payload?: unknown; id?: unknown };
      if (frame.type === "message") receive(frame.payload);
      else if (frame.type === "ack" && frame.id === "join") resolve(socket);
      else reject(new Error(`client ${index} got ${String(data)}`));
    });
  });
}

async function chorusClients(url: string): Promise<Running> {
  const { WebSocket: Client } = await import("ws");
  const sockets = await Promise.all(
    Array.from({ length: config.clients }, (_, i) => chorusClient(Client, url, i)),
  );
  return {
    server: null,
    close: async () => {
      await Promise.all(
        sockets.map((socket) => new Promise((resolve) => socket.once("close", resolve).close())),
      );
    },
  };
}

async function socketIoClient(connect: typeof io, url: string): Promise<Socket> {
  // forceNew: without it every client to one URL shares one connection (multiplexing);
  // websocket only: no long-polling handshake, the same transport as Chorus's clients.
  const socket = connect(url, { transports: ["websocket"], forceNew: true, reconnection: false });
  socket.on("message", receive);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  await socket.emitWithAck("join", GROUP);
  return socket;
}

async function socketIoClients(url: string): Promise<Running> {
  const { io: connect } = await import("socket.io-client");
  const sockets = await Promise.all(
    Array.from({ length: config.clients }, () => socketIoClient(connect, url)),
  );
  return {
    server: null,
    close: async () => {
      for (const socket of sockets) socket.disconnect();
    },
  };
}

function start(): Promise<Running> {
  if (config.role === "server") return config.kind === "chorus" ? chorusServer() : socketIoServer();
  const url = config.url;
  if (url === undefined) throw new Error("clients need the server's url");
  return config.kind === "chorus" ? chorusClients(url) : socketIoClients(url);
}

async function main(): Promise<void> {
  const running = await start();
  const reply = (id: number, result: unknown) =>
    process.send?.({ type: "reply", id, result } satisfies ChildMessage);
  process.on("message", (raw) => {
    const request = raw as ChildRequest;
    const work = async (): Promise<unknown> => {
      switch (request.op) {
        case "expect":
          return new Promise((resolve) => {
            sink.target = sink.received + request.count;
            if (sink.latencies.length < request.count) sink.latencies = new Float64Array(request.count);
            sink.recorded = 0;
            sink.onTarget = () => resolve(sink.received);
          });
        case "latencies":
          return latencies();
        case "missing":
          return { missing: sink.target - sink.received, malformed: sink.malformed };
        case "cpu": {
          const { user, system } = process.cpuUsage();
          return user + system;
        }
        case "close":
          await running.close();
          return null;
      }
    };
    work().then(
      (result) => {
        reply(request.id, result);
        if (request.op === "close") process.disconnect();
      },
      (error: unknown) =>
        process.send?.({ type: "failed", id: request.id, error: String(error) } satisfies ChildMessage),
    );
  });
  // Orphaned (the coordinator died or is done): nothing here may outlive it.
  process.on("disconnect", () => process.exit(0));
  process.send?.({ type: "ready", server: running.server } satisfies ChildMessage);
}

main().catch((error: unknown) => {
  process.send?.({ type: "failed", id: null, error: String(error) } satisfies ChildMessage);
  process.exit(1);
});
