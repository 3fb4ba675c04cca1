/**
 * Request/reply: ask round trips, side by side in one run.
 *
 *   one process     an ask to an actor that answers with its message, against a bare
 *                   promise round trip (`await echo(payload)`, an async function):
 *                   what an ask costs above the least a reply can cost;
 *   two processes   an ask to an actor on another node over Redis, against raw ioredis
 *                   request/reply (a request PUBLISHed with an id, the answer PUBLISHed
 *                   back and matched by id), each pair on its own processes;
 *
 * one round trip at a time (a caller waiting on each answer: round trips/s, and the
 * p50/p99 of each round trip, medians over the rounds) and, across processes, 100 in
 * flight. 100-byte string payloads. Run alone: `node dist/bench/ask.js [--quick]`.
 * No timing is asserted; a run fails only when an answer was missing or wrong.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { ActorSystem } from "../src/index.js";
import { RedisServer, redisSkipReason } from "../test/support/redis-server.js";
import type { AskKind, AskPeerConfig, AskPeerRequest, RunResult } from "./ask-peer.js";
import { BenchChild } from "./child.js";
import { type BenchOptions, type CaseResult, CHORUS, type Contender, runCase, summarise } from "./harness.js";

const PEER = fileURLToPath(new URL("./ask-peer.js", import.meta.url));
const PAYLOAD = "x".repeat(100);
const BARE = "bare promise round trip";
const RAW = "ioredis request/reply";

/** Each contender's per-round p50 and p99 (ms) of its one-at-a-time runs. */
class Latencies {
  readonly #p50 = new Map<string, number[]>();
  readonly #p99 = new Map<string, number[]>();

  add(name: string, latenciesMs: readonly number[]): void {
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    this.#p50.set(name, [...(this.#p50.get(name) ?? []), at(0.5)]);
    this.#p99.set(name, [...(this.#p99.get(name) ?? []), at(0.99)]);
  }

  format(title: string): string {
    const lines = [`${title} — latency of one round trip (ms, median of rounds)`];
    const chorus = this.#p99.get(CHORUS);
    const p99Of = (name: string) => summarise(name, this.#p99.get(name)!).median;
    for (const name of this.#p50.keys()) {
      const p50 = summarise(name, this.#p50.get(name)!).median;
      const ratio =
        name === CHORUS || chorus === undefined
          ? ""
          : `   chorus p99 ×${(p99Of(CHORUS) / p99Of(name)).toFixed(2)}`;
      lines.push(
        `  ${name.padEnd(28)} p50 ${p50.toFixed(4).padStart(8)}  p99 ${p99Of(name).toFixed(4).padStart(8)}${ratio}`,
      );
    }
    return lines.join("\n");
  }
}

/** Times `count` round trips of `roundTrip`, one at a time; returns the answers that were right. */
async function oneAtATime(
  count: number,
  roundTrip: (payload: string) => Promise<string>,
  latencies: Latencies,
  name: string,
): Promise<number> {
  const times: number[] = new Array(count);
  let right = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    if ((await roundTrip(PAYLOAD)) === PAYLOAD) right++;
    times[i] = performance.now() - t0;
  }
  latencies.add(name, times);
  return right;
}

async function inProcess(options: BenchOptions): Promise<CaseResult> {
  const count = options.quick ? 20_000 : 200_000;
  const latencies = new Latencies();
  const chorus: Contender = {
    name: CHORUS,
    setup() {
      const system = new ActorSystem({ nodeId: "bench-ask" });
      const echo = system.spawn<string, string>(
        { id: "echo", tenantId: "bench", namespace: "ask" },
        (m) => m,
      );
      return {
        run: () => oneAtATime(count, (payload) => echo.ask(payload), latencies, CHORUS),
        close: () => system.shutdown(),
      };
    },
  };
  const bare: Contender = {
    name: BARE,
    setup() {
      const echo = async (message: string) => message;
      return { run: () => oneAtATime(count, echo, latencies, BARE) };
    },
  };
  const result = await runCase(
    "ask",
    "one process, one round trip at a time",
    "round trips/s",
    count,
    [chorus, bare],
    options,
  );
  options.log(latencies.format("ask, one process"));
  return result;
}

type Peer = BenchChild<AskPeerRequest>;

async function pair(
  kind: AskKind,
  redis: string,
  n: number,
): Promise<{ client: Peer; close: () => Promise<void> }> {
  const base = { kind, redis, name: `ask-${process.pid}-${n}` };
  const start = async (role: AskPeerConfig["role"]) => {
    const child = new BenchChild<AskPeerRequest>(
      PEER,
      "CHORUS_BENCH_ASK",
      { ...base, role },
      `${kind} ${role}`,
    );
    await child.ready;
    return child;
  };
  const server = await start("server");
  const client = await start("client").catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  return { client, close: async () => void (await Promise.all([client.close(), server.close()])) };
}

async function acrossProcesses(options: BenchOptions, redis: string): Promise<CaseResult[]> {
  const kinds: { kind: AskKind; name: string }[] = [
    { kind: "chorus", name: CHORUS },
    { kind: "ioredis", name: RAW },
  ];
  const latencies = new Latencies();
  let pairs = 0;
  const contenders = (count: number, inFlight: number): Contender[] =>
    kinds.map(({ kind, name }) => ({
      name,
      async setup() {
        const p = await pair(kind, redis, ++pairs);
        return {
          async run() {
            const result = await p.client.ask<RunResult>({ op: "run", count, inFlight }, 120_000);
            if (inFlight === 1) latencies.add(name, result.latenciesMs);
            return result.answered;
          },
          close: () => p.close(),
        };
      },
    }));
  const sequential = options.quick ? 1_000 : 10_000;
  const one = await runCase(
    "ask",
    "two processes over Redis, one round trip at a time",
    "round trips/s",
    sequential,
    contenders(sequential, 1),
    options,
  );
  options.log(latencies.format("ask, two processes over Redis"));
  const many = options.quick ? 5_000 : 50_000;
  const concurrent = await runCase(
    "ask",
    "two processes over Redis, 100 in flight",
    "round trips/s",
    many,
    contenders(many, 100),
    options,
  );
  return [one, concurrent];
}

/** The scenario, for the bench runner. The cross-process cases skip (saying so) without redis-server. */
export async function ask(options: BenchOptions): Promise<CaseResult[]> {
  const results = [await inProcess(options)];
  let server: RedisServer | null = null;
  let redis = process.env.REDIS_URL;
  if (redis === undefined) {
    const skip = redisSkipReason();
    if (skip !== undefined) {
      options.log(`ask across processes — skipped: ${skip}`);
      return results;
    }
    server = await RedisServer.start();
    redis = server.url;
  }
  try {
    results.push(...(await acrossProcesses(options, redis)));
  } finally {
    await server?.stop();
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const quick = process.argv.includes("--quick");
  await ask({ quick, repetitions: quick ? 2 : 5, log: (line) => console.log(line) });
}
