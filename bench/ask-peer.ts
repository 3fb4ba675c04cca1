/**
 * One side of the cross-process ask benchmark, run as a child process of ask.ts: the
 * server, which answers every request with its payload, or the client, which makes
 * round trips on command and times each — over Chorus (an ask to an actor on the
 * other node) or raw ioredis request/reply (PUBLISH a request tagged with an id on one
 * channel, PUBLISH the answer back on another, match it by id). Config is JSON in
 * CHORUS_BENCH_ASK.
 */
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { ActorSystem, type MemberRef } from "../src/index.js";

export type AskKind = "chorus" | "ioredis";

export interface AskPeerConfig {
  readonly kind: AskKind;
  readonly role: "server" | "client";
  readonly redis: string;
  /** This pair's channel and node prefix. */
  readonly name: string;
}

export type AskPeerRequest =
  /** `count` round trips, `inFlight` at a time; answers with the count and each one's ms. */
  | { readonly id: number; readonly op: "run"; readonly count: number; readonly inFlight: number }
  | { readonly id: number; readonly op: "close" };

export interface RunResult {
  readonly answered: number;
  readonly latenciesMs: number[];
}

const config = JSON.parse(process.env.CHORUS_BENCH_ASK ?? "{}") as AskPeerConfig;
const SCOPE = { tenantId: "bench", namespace: "ask" };
const PAYLOAD = "x".repeat(100);

interface Client {
  roundTrip(payload: string): Promise<string>;
  close(): Promise<void>;
}

async function chorusServer(): Promise<() => Promise<void>> {
  const system = await ActorSystem.start({
    nodeId: `${config.name}-server`,
    cluster: { redis: config.redis },
  });
  system.spawn({ id: "echo", ...SCOPE }, (message: string) => message);
  return () => system.shutdown();
}

async function chorusClient(): Promise<Client> {
  const system = await ActorSystem.start({
    nodeId: `${config.name}-client`,
    cluster: { redis: config.redis },
  });
  const echo: MemberRef<string, string> = system.actorAt(SCOPE, "echo", `${config.name}-server`);
  return { roundTrip: (payload) => echo.ask(payload), close: () => system.shutdown() };
}

async function redisServer(): Promise<() => Promise<void>> {
  const sub = new Redis(config.redis);
  const pub = new Redis(config.redis);
  sub.on("message", (_channel: string, raw: string) => {
    void pub.publish(`rep:${config.name}`, raw); // `id|payload`, answered as it came
  });
  await sub.subscribe(`req:${config.name}`);
  return async () => {
    sub.disconnect();
    pub.disconnect();
  };
}

async function redisClient(): Promise<Client> {
  const sub = new Redis(config.redis);
  const pub = new Redis(config.redis);
  const pending = new Map<number, (answer: string) => void>();
  let next = 0;
  sub.on("message", (_channel: string, raw: string) => {
    const bar = raw.indexOf("|");
    const id = Number(raw.slice(0, bar));
    pending.get(id)?.(raw.slice(bar + 1));
    pending.delete(id);
  });
  await sub.subscribe(`rep:${config.name}`);
  return {
    roundTrip(payload) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        pending.set(id, resolve);
        pub.publish(`req:${config.name}`, `${id}|${payload}`).catch(reject);
      });
    },
    async close() {
      sub.disconnect();
      pub.disconnect();
    },
  };
}

async function run(client: Client, count: number, inFlight: number): Promise<RunResult> {
  const latenciesMs: number[] = new Array(count);
  let started = 0;
  let answered = 0;
  const lane = async () => {
    while (started < count) {
      const i = started++;
      const t0 = performance.now();
      const answer = await client.roundTrip(PAYLOAD);
      latenciesMs[i] = performance.now() - t0;
      if (answer === PAYLOAD) answered++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { answered, latenciesMs };
}

async function main(): Promise<void> {
  let close: () => Promise<void>;
  let client: Client | null = null;
  if (config.role === "server") close = await (config.kind === "chorus" ? chorusServer() : redisServer());
  else {
    client = await (config.kind === "chorus" ? chorusClient() : redisClient());
    close = () => client!.close();
  }
  process.on("message", (raw) => {
    const request = raw as AskPeerRequest;
    const reply = (result: unknown) => process.send?.({ type: "reply", id: request.id, result });
    if (request.op === "close") {
      void close().finally(() => {
        reply(null);
        process.exit(0);
      });
      return;
    }
    run(client!, request.count, request.inFlight).then(reply, (error: unknown) =>
      process.send?.({ type: "failed", id: request.id, error: String(error) }),
    );
  });
  process.send?.({ type: "ready" });
}

main().catch((error: unknown) => {
  process.send?.({ type: "failed", id: null, error: String(error) });
  process.exit(1);
});
