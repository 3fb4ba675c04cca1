/**
 * Cross-process pub/sub over Redis: one publisher process, one subscriber process with
 * 1 000 local subscribers, 100-byte payloads. Side by side in one run: Chorus (a group
 * of 1 000 actors on the other node), raw ioredis PUBLISH/SUBSCRIBE with the same
 * payload (plain and auto-pipelined), and mqemitter-redis.
 *
 *   throughput  messages/s from the first publish until the last subscriber has handled
 *               the last message, timed by the shared harness (alternating rounds, medians);
 *   latency     p50/p99 from send to the last subscriber, publishing at a fixed 10 000/s,
 *               medians over the rounds.
 *
 * Every contender gets its own pair of processes and its own channel, on a redis-server
 * of its own (or REDIS_URL). Run alone: `node dist/bench/cluster-pubsub.js [--quick]`.
 * No timing is asserted; a run fails only when messages did not arrive.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { RedisServer, redisSkipReason } from "../test/support/redis-server.js";
import { BenchChild } from "./child.js";
import type { PeerConfig, PeerKind, PeerRequest } from "./cluster-peer.js";
import { type BenchOptions, type CaseResult, CHORUS, type Contender, runCase, summarise } from "./harness.js";

const PEER = fileURLToPath(new URL("./cluster-peer.js", import.meta.url));
const MEMBERS = 1_000;
const PAYLOAD_BYTES = 100;
const RATE_PER_SECOND = 10_000;
const ALL_KINDS: readonly { kind: PeerKind; name: string }[] = [
  { kind: "chorus", name: CHORUS },
  { kind: "ioredis", name: "ioredis PUBLISH/SUBSCRIBE" },
  { kind: "ioredis-pipelined", name: "ioredis auto-pipelined" },
  { kind: "mqemitter-redis", name: "mqemitter-redis" },
];
/** CLUSTER_BENCH_KINDS=chorus,ioredis narrows a run to some contenders (when profiling one). */
const KINDS = ALL_KINDS.filter(
  ({ kind }) => process.env.CLUSTER_BENCH_KINDS?.split(",").includes(kind) ?? true,
);

type Peer = BenchChild<PeerRequest>;
const peer = (config: PeerConfig): Peer =>
  new BenchChild(PEER, "CHORUS_BENCH_PEER", config, `${config.kind} ${config.role}`);

interface Pair {
  readonly kind: PeerKind;
  readonly publisher: Peer;
  readonly subscriber: Peer;
  close(): Promise<void>;
}

let pairs = 0;
async function pair(kind: PeerKind, redis: string): Promise<Pair> {
  const base = {
    kind,
    redis,
    name: `bench-${process.pid}-${++pairs}`,
    members: MEMBERS,
    payloadBytes: PAYLOAD_BYTES,
  };
  const subscriber = peer({ ...base, role: "subscriber" });
  try {
    await subscriber.ready;
  } catch (error) {
    await subscriber.close();
    throw error;
  }
  const publisher = peer({ ...base, role: "publisher" });
  try {
    await publisher.ready;
  } catch (error) {
    await Promise.all([publisher.close(), subscriber.close()]);
    throw error;
  }
  return {
    kind,
    publisher,
    subscriber,
    close: () => Promise.all([publisher.close(), subscriber.close()]).then(() => {}),
  };
}

/**
 * CPU µs each side spent per message in the throughput runs: less sensitive than rates
 * to a shared machine's other load, and it says which side limits a contender.
 */
const cpuPerMessage = new Map<PeerKind, { publisher: number[]; subscriber: number[] }>();

/** Publishes `count` messages and resolves with how many reached the last subscriber. */
async function deliver(p: Pair, op: "burst" | "paced", count: number): Promise<number> {
  const before = await p.subscriber.ask<number>({ op: "received" });
  const cpu = await Promise.all([
    p.publisher.ask<number>({ op: "cpu" }),
    p.subscriber.ask<number>({ op: "cpu" }),
  ]);
  const arrived = p.subscriber.ask<number>({ op: "expect", count }, 30_000);
  await p.publisher.ask(op === "burst" ? { op, count } : { op, count, perSecond: RATE_PER_SECOND });
  try {
    await arrived;
  } catch {
    const got = (await p.subscriber.ask<number>({ op: "received" })) - before;
    throw new Error(`${p.kind}: ${got} of ${count} messages arrived (${op})`);
  }
  if (op === "burst") {
    const [pub, sub] = await Promise.all([
      p.publisher.ask<number>({ op: "cpu" }),
      p.subscriber.ask<number>({ op: "cpu" }),
    ]);
    const samples = cpuPerMessage.get(p.kind) ?? { publisher: [], subscriber: [] };
    samples.publisher.push((pub - cpu[0]) / count);
    samples.subscriber.push((sub - cpu[1]) / count);
    cpuPerMessage.set(p.kind, samples);
  }
  return count;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

interface LatencyResult {
  readonly name: string;
  readonly p50: number;
  readonly p99: number;
}

async function latency(redis: string, options: BenchOptions): Promise<LatencyResult[]> {
  const count = options.quick ? 2_000 : 20_000; // 0.2 s or 2 s at 10 000/s
  const pairs: Pair[] = [];
  try {
    for (const { kind } of KINDS) pairs.push(await pair(kind, redis));
    for (const p of pairs) await deliver(p, "paced", count / 4); // warm-up
    const p50s: number[][] = KINDS.map(() => []);
    const p99s: number[][] = KINDS.map(() => []);
    // Alternating rounds, as the harness does for throughput: a burst of noise hits every contender alike.
    for (let round = 0; round < options.repetitions; round++) {
      for (const [i, p] of pairs.entries()) {
        await deliver(p, "paced", count);
        const sorted = (await p.subscriber.ask<number[]>({ op: "latencies" })).sort((a, b) => a - b);
        p50s[i]!.push(percentile(sorted, 0.5));
        p99s[i]!.push(percentile(sorted, 0.99));
      }
    }
    return KINDS.map(({ name }, i) => ({
      name,
      p50: summarise(name, p50s[i]!).median,
      p99: summarise(name, p99s[i]!).median,
    }));
  } finally {
    await Promise.all(pairs.map((p) => p.close()));
  }
}

/** The scenario, for the bench runner. Skips (saying so) where redis-server is missing. */
export async function clusterPubSub(options: BenchOptions): Promise<CaseResult[]> {
  let server: RedisServer | null = null;
  let redis = process.env.REDIS_URL;
  if (redis === undefined) {
    const skip = redisSkipReason();
    if (skip !== undefined) {
      options.log(`cluster pub/sub — skipped: ${skip}`);
      return [];
    }
    server = await RedisServer.start();
    redis = server.url;
  }
  try {
    const count = options.quick ? 2_000 : 20_000;
    const contenders: Contender[] = KINDS.map(({ kind, name }) => ({
      name,
      async setup() {
        const p = await pair(kind, redis);
        return { run: () => deliver(p, "burst", count), close: () => p.close() };
      },
    }));
    const throughput = await runCase(
      "cluster pub/sub",
      `${MEMBERS} members on another process, ${PAYLOAD_BYTES}-byte payloads`,
      "messages/s",
      count,
      contenders,
      options,
    );
    options.log(formatCpu());
    const latencies = await latency(redis, options);
    options.log(formatLatency(latencies, throughput));
    return [throughput];
  } finally {
    await server?.stop();
  }
}

function formatCpu(): string {
  const lines = ["cluster pub/sub — CPU per message in the throughput runs (µs, median)"];
  for (const { kind, name } of KINDS) {
    const samples = cpuPerMessage.get(kind);
    if (samples === undefined) continue;
    const pub = summarise(name, samples.publisher).median;
    const sub = summarise(name, samples.subscriber).median;
    lines.push(
      `  ${name.padEnd(28)} publisher ${pub.toFixed(2).padStart(7)}  subscriber ${sub.toFixed(2).padStart(7)}`,
    );
  }
  return lines.join("\n");
}

function formatLatency(results: readonly LatencyResult[], throughput: CaseResult): string {
  const chorus = results.find((r) => r.name === CHORUS);
  const lines = [`cluster pub/sub — latency at ${RATE_PER_SECOND} publishes/s (ms, median of rounds)`];
  for (const r of results) {
    const ratio =
      chorus === undefined || r === chorus ? "" : `   chorus p99 ×${(chorus.p99 / r.p99).toFixed(2)}`;
    lines.push(
      `  ${r.name.padEnd(28)} p50 ${r.p50.toFixed(2).padStart(7)}  p99 ${r.p99.toFixed(2).padStart(7)}${ratio}`,
    );
  }
  const raw = results.find((r) => r.name === "ioredis PUBLISH/SUBSCRIBE");
  const vsRaw = throughput.ratios["ioredis PUBLISH/SUBSCRIBE"];
  const vsMq = throughput.ratios["mqemitter-redis"];
  if (chorus !== undefined && raw !== undefined && vsRaw !== undefined && vsMq !== undefined) {
    const mark = (ok: boolean) => (ok ? "met" : "MISSED");
    lines.push(
      "  targets:",
      `    throughput ≥ 1× raw ioredis: ×${vsRaw.toFixed(3)} ${mark(vsRaw >= 1)}`,
      `    throughput ≥ 3× mqemitter-redis: ×${vsMq.toFixed(3)} ${mark(vsMq >= 3)}`,
      `    p99 ≤ 1.5× raw ioredis: ×${(chorus.p99 / raw.p99).toFixed(3)} ${mark(chorus.p99 <= 1.5 * raw.p99)}`,
    );
  }
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const quick = process.argv.includes("--quick");
  await clusterPubSub({ quick, repetitions: quick ? 2 : 5, log: (line) => console.log(line) });
}
