/**
 * One side of the cross-process pub/sub benchmark, run as a child process of
 * cluster-pubsub.ts: a publisher, or a subscriber hosting 1 000 local subscribers, for
 * one system — Chorus over Redis, raw ioredis PUBLISH/SUBSCRIBE (with and without
 * auto-pipelining), or mqemitter-redis. Its config is JSON in CHORUS_BENCH_PEER.
 *
 * Every message is a 100-byte string whose head is its send time (the machine's wall
 * clock at sub-millisecond precision, which both processes share). A subscriber counts
 * a message when its last subscriber has handled it, and takes its latency there.
 * Nothing is assumed: the coordinator only believes counts the subscribers report.
 */
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import MQEmitterRedis from "mqemitter-redis";
import { ActorSystem } from "../src/index.js";
import type { ChildMessage } from "./child.js";

export type PeerKind = "chorus" | "ioredis" | "ioredis-pipelined" | "mqemitter-redis";

export interface PeerConfig {
  readonly kind: PeerKind;
  readonly role: "publisher" | "subscriber";
  readonly redis: string;
  /** The channel, topic or group (and tenant) this pair uses. */
  readonly name: string;
  readonly members: number;
  readonly payloadBytes: number;
}

export type PeerRequest =
  | { readonly id: number; readonly op: "expect"; readonly count: number }
  | { readonly id: number; readonly op: "burst"; readonly count: number }
  | { readonly id: number; readonly op: "paced"; readonly count: number; readonly perSecond: number }
  | { readonly id: number; readonly op: "latencies" }
  | { readonly id: number; readonly op: "received" }
  /** CPU time this process has used so far, user + system, in µs. */
  | { readonly id: number; readonly op: "cpu" }
  | { readonly id: number; readonly op: "close" };

/** What a subscriber side does per message at its last subscriber. */
interface Sink {
  /** Messages handled by the other subscribers (kept, so their work is not optimised away). */
  handled: number;
  received: number;
  latencies: number[];
  target: number;
  onTarget: (() => void) | null;
}

export interface Endpoint {
  /** Sends one message; resolves when the system has accepted it. */
  publish(payload: string): Promise<unknown>;
  close(): Promise<void>;
}

const config = JSON.parse(process.env.CHORUS_BENCH_PEER ?? "{}") as PeerConfig;
const sink: Sink = {
  handled: 0,
  received: 0,
  latencies: [],
  target: Number.POSITIVE_INFINITY,
  onTarget: null,
};

function now(): number {
  return performance.timeOrigin + performance.now();
}

function payload(): string {
  const head = `${now().toFixed(3)}|`;
  return head + "x".repeat(Math.max(0, config.payloadBytes - head.length));
}

/** The handler of the last of the subscribers: counts the message and takes its latency. */
function last(message: string): void {
  sink.latencies.push(now() - Number(message.slice(0, message.indexOf("|"))));
  if (++sink.received >= sink.target && sink.onTarget !== null) {
    const done = sink.onTarget;
    sink.onTarget = null;
    done();
  }
}

/** `members` subscriber functions: the first ones count, the last one measures. */
function subscribers(): ((message: string) => void)[] {
  const list: ((message: string) => void)[] = [];
  for (let i = 0; i < config.members - 1; i++) {
    list.push(() => {
      sink.handled++;
    });
  }
  list.push(last);
  return list;
}

async function chorus(): Promise<Endpoint> {
  const scope = { tenantId: config.name, namespace: "bench" };
  const system = await ActorSystem.start({
    nodeId: `${config.role}-${process.pid}`,
    cluster: { redis: config.redis },
  });
  const groups = system.groups(scope);
  if (config.role === "subscriber") {
    await groups.createGroup("bench");
    const handlers = subscribers();
    for (let i = 0; i < handlers.length; i++) {
      // The subscriber function itself is the behaviour, as it is the raw client's listener.
      const actor = system.spawn<string>({ id: `m${i}`, ...scope }, handlers[i]!);
      await groups.joinGroup("bench", actor, i === handlers.length - 1 ? { visible: "cluster" } : {});
    }
  } else {
    // The publisher's replica must show the subscriber's members before it can address them.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const count = await groups.getMembers("bench").then(
        (ids) => ids.length,
        () => 0,
      );
      if (count === config.members) break;
      if (Date.now() > deadline) throw new Error(`the publisher sees ${count} of ${config.members} members`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return { publish: (p) => groups.publishToGroup("bench", p), close: () => system.shutdown() };
}

async function ioredis(pipelined: boolean): Promise<Endpoint> {
  const client = new Redis(config.redis, { enableAutoPipelining: pipelined });
  if (config.role === "subscriber") {
    const handlers = subscribers();
    client.on("message", (_channel: string, message: string) => {
      for (const handler of handlers) handler(message);
    });
    await client.subscribe(config.name);
  }
  return {
    publish: (p) => client.publish(config.name, p),
    close: async () => {
      client.disconnect();
    },
  };
}

async function mqemitter(): Promise<Endpoint> {
  const url = new URL(config.redis);
  const mq = MQEmitterRedis({ host: url.hostname, port: Number(url.port) });
  if (config.role === "subscriber") {
    const handlers = subscribers();
    await Promise.all(
      handlers.map(
        (handler) =>
          new Promise<void>((resolve) =>
            mq.on(
              config.name,
              (message, done) => {
                handler(message.payload as string);
                done();
              },
              resolve,
            ),
          ),
      ),
    );
  }
  return {
    publish: (p) =>
      new Promise<void>((resolve, reject) =>
        mq.emit({ topic: config.name, payload: p }, (error) => (error ? reject(error) : resolve())),
      ),
    close: () => new Promise((resolve) => mq.close(() => resolve())),
  };
}

async function paced(endpoint: Endpoint, count: number, perSecond: number): Promise<number> {
  const started = now();
  const pending: Promise<unknown>[] = [];
  let sent = 0;
  while (sent < count) {
    // Send what is due by now, then yield so replies and timers run: a steady rate, not a burst.
    const due = Math.min(count, Math.floor(((now() - started) * perSecond) / 1_000) + 1);
    for (; sent < due; sent++) pending.push(endpoint.publish(payload()));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(pending);
  return sent;
}

async function main(): Promise<void> {
  const endpoint =
    config.kind === "chorus"
      ? await chorus()
      : config.kind === "mqemitter-redis"
        ? await mqemitter()
        : await ioredis(config.kind === "ioredis-pipelined");
  const reply = (id: number, result: unknown) =>
    process.send?.({ type: "reply", id, result } satisfies ChildMessage);
  process.on("message", (raw) => {
    const request = raw as PeerRequest;
    const work = async (): Promise<unknown> => {
      switch (request.op) {
        case "expect":
          // Resolves when `count` more messages have reached the last subscriber.
          return new Promise((resolve) => {
            sink.target = sink.received + request.count;
            sink.latencies = [];
            sink.onTarget = () => resolve(sink.received);
          });
        case "burst": {
          const pending: Promise<unknown>[] = [];
          for (let i = 0; i < request.count; i++) pending.push(endpoint.publish(payload()));
          await Promise.all(pending);
          return request.count;
        }
        case "paced":
          return paced(endpoint, request.count, request.perSecond);
        case "latencies":
          return sink.latencies;
        case "received":
          return sink.received;
        case "cpu": {
          const { user, system } = process.cpuUsage();
          return user + system;
        }
        case "close":
          await endpoint.close();
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
  process.on("disconnect", () => process.exit(0));
  process.send?.({ type: "ready" } satisfies ChildMessage);
}

main().catch((error: unknown) => {
  process.send?.({ type: "failed", id: null, error: String(error) } satisfies ChildMessage);
  process.exit(1);
});
