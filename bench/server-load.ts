/**
 * The server under load: publishes over HTTP to a group whose members are N WebSocket
 * clients (100; 20 in a quick run), 100-byte payloads. Side by side in one run:
 * `chorus serve` (POST …/groups/{g}/publish to WebSocket members) and Socket.IO (its
 * default in-memory adapter; a Fastify POST handler doing `io.to(room).emit(…)`, with
 * socket.io-client clients on the websocket transport). Both pay for an HTTP publish
 * and a WebSocket fan-out.
 *
 *   throughput  publishes/s with IN_FLIGHT publishes outstanding at all times, from the
 *               first request until every client has every message, timed by the shared
 *               harness (alternating rounds, medians); deliveries/s is that times N;
 *   latency     p50/p99 from the moment a publish request is made to a client's receipt,
 *               publishing both sides at one rate, half the slower side's throughput just
 *               measured (under both, so neither queues), medians over the rounds.
 *
 * Each contender's server and its clients run in two child processes of their own
 * (server-load-child.ts); the load generator is this process, so none of the three
 * shares an event loop. They do share the machine's cores, alike for both sides.
 * Run alone: `node dist/bench/server-load.js [--quick]`; SERVER_BENCH_PROFILE=<dir>
 * writes a CPU profile of every child there. No timing is asserted; a run fails only
 * when a publish is refused or a delivery does not arrive.
 */
import { type ChildProcess, fork } from "node:child_process";
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  type BenchOptions,
  type CaseResult,
  CHORUS,
  type Contender,
  format,
  runCase,
  type Stats,
  summarise,
} from "./harness.js";
import type {
  ChildConfig,
  ChildMessage,
  ChildRequest,
  Latencies,
  ServerInfo,
  ServerKind,
} from "./server-load-child.js";

const CHILD = fileURLToPath(new URL("./server-load-child.js", import.meta.url));
const PROFILE_DIR = process.env.SERVER_BENCH_PROFILE;
const PAYLOAD_BYTES = 100;
/** Publishes outstanding at once in the throughput runs: enough to keep a server busy. */
const IN_FLIGHT = 16;
/** The latency runs' rate, as a share of the slower side's throughput: under both, so p99 is no queue. */
const LOAD_FRACTION = 0.5;
const KINDS: readonly { kind: ServerKind; name: string }[] = [
  { kind: "chorus", name: CHORUS },
  { kind: "socket.io", name: "socket.io" },
];
const SCENARIO = "server load";

type Body<T> = T extends unknown ? Omit<T, "id"> : never;

/** A child process answering requests over IPC, as cluster-pubsub.ts's peers do. */
class Child {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #label: string;
  /** Resolves once the child is up (with where its server listens, for a server). */
  readonly ready: Promise<ServerInfo | null>;
  #next = 1;

  constructor(config: ChildConfig) {
    this.#label = `${config.kind} ${config.role}`;
    this.#child = fork(CHILD, [], {
      env: { ...process.env, CHORUS_BENCH_SERVER_LOAD: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      execArgv: PROFILE_DIR === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`],
    });
    this.ready = new Promise((resolve, reject) => {
      this.#child.once("exit", (code) => {
        const error = new Error(`${this.#label} exited (${code})`);
        reject(error);
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
      });
      this.#child.on("message", (raw) => {
        const message = raw as ChildMessage;
        if (message.type === "ready") return resolve(message.server);
        if (message.id === null) {
          return reject(new Error(`${this.#label}: ${message.type === "failed" ? message.error : ""}`));
        }
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.type === "reply") pending?.resolve(message.result);
        else pending?.reject(new Error(`${this.#label}: ${message.error}`));
      });
    });
  }

  ask<T>(body: Body<ChildRequest>, timeoutMs = 60_000): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.#label}: no answer to ${body.op}`)), timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#child.send({ id, ...body });
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    await this.ask({ op: "close" }, 5_000).catch(() => this.#child.kill("SIGKILL"));
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** The body of one publish: a 100-byte string payload whose head is its send time. */
function publishBody(): string {
  const head = `${now().toFixed(3)}|`;
  return JSON.stringify({ payload: head + "x".repeat(Math.max(0, PAYLOAD_BYTES - head.length)) });
}

/** One contender: its server, its clients, and the HTTP connections publishing to it. */
interface Setup {
  readonly kind: ServerKind;
  readonly server: Child;
  readonly clients: Child;
  readonly publishUrl: URL;
  /** Keep-alive connections, IN_FLIGHT at most: requests past that wait for one. */
  readonly agent: Agent;
  close(): Promise<void>;
}

async function setUp(kind: ServerKind, clients: number): Promise<Setup> {
  const server = new Child({ kind, role: "server", clients });
  let info: ServerInfo | null;
  try {
    info = await server.ready;
    if (info === null) throw new Error(`${kind} server: no address`);
  } catch (error) {
    await server.close();
    throw error;
  }
  const members = new Child({ kind, role: "clients", clients, url: info.url });
  try {
    await members.ready;
  } catch (error) {
    await Promise.all([members.close(), server.close()]);
    throw error;
  }
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  return {
    kind,
    server,
    clients: members,
    publishUrl: new URL(info.publishPath, info.url),
    agent,
    async close() {
      agent.destroy();
      await Promise.all([members.close(), server.close()]);
    },
  };
}

/** One publish; resolves when the server has answered 200, rejects on anything else. */
function publish(s: Setup): Promise<void> {
  const body = publishBody();
  return new Promise((resolve, reject) => {
    const req = request(
      s.publishUrl,
      {
        method: "POST",
        agent: s.agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          if (res.statusCode === 200) resolve();
          else reject(new Error(`${s.kind}: publish answered ${res.statusCode}: ${Buffer.concat(chunks)}`));
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** `count` publishes, IN_FLIGHT outstanding at all times (a closed loop). */
async function saturate(s: Setup, count: number): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await publish(s);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, worker));
}

/**
 * `count` publishes at `perSecond`, each made when due whether or not earlier ones were
 * answered (an open loop, so a slow answer shows in the latency instead of hiding it).
 * It wakes on a 1 ms timer rather than spinning: the generator shares the cores with
 * the server and clients it measures.
 */
async function paced(s: Setup, count: number, perSecond: number): Promise<void> {
  const started = now();
  const pending: Promise<void>[] = [];
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((now() - started) * perSecond) / 1_000) + 1);
    for (; sent < due; sent++) {
      const published = publish(s);
      // Handled now, reported by Promise.all below: a refusal must not crash the process
      // before the children are closed.
      published.catch(() => {});
      pending.push(published);
    }
    if (sent < count) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
}

/** CPU µs per publish each side spent in the throughput runs: says which side limits. */
const cpuPerPublish = new Map<ServerKind, { server: number[]; clients: number[] }>();

const cpuOf = (s: Setup) =>
  Promise.all([s.server.ask<number>({ op: "cpu" }), s.clients.ask<number>({ op: "cpu" })]);

/** Publishes `count` messages and resolves once all N clients have every one. */
async function deliver(
  s: Setup,
  how: "saturate" | { readonly paced: number },
  count: number,
  clients: number,
): Promise<number> {
  const deliveries = count * clients;
  const cpu = how === "saturate" ? await cpuOf(s) : null;
  const arrived = s.clients.ask<number>({ op: "expect", count: deliveries }, 30_000);
  // Awaited below, unless a publish fails first: then this must not surface as unhandled.
  arrived.catch(() => {});
  await (how === "saturate" ? saturate(s, count) : paced(s, count, how.paced));
  try {
    await arrived;
  } catch {
    const got = await s.clients.ask<{ missing: number; malformed: number }>({ op: "missing" });
    throw new Error(
      `${s.kind}: ${got.missing} of ${deliveries} deliveries did not arrive (${got.malformed} malformed so far)`,
    );
  }
  if (cpu !== null) {
    const [server, members] = await cpuOf(s);
    const samples = cpuPerPublish.get(s.kind) ?? { server: [], clients: [] };
    samples.server.push((server - cpu[0]) / count);
    samples.clients.push((members - cpu[1]) / count);
    cpuPerPublish.set(s.kind, samples);
  }
  return count;
}

/** `count` publishes at `perSecond` to each side in turn, alternating rounds; latency per round. */
async function latency(
  setups: readonly Setup[],
  count: number,
  perSecond: number,
  options: BenchOptions,
  clients: number,
): Promise<Map<ServerKind, Latencies[]>> {
  const rounds = new Map<ServerKind, Latencies[]>();
  // No warm-up of its own: the throughput runs just warmed these very servers and clients.
  // Alternating rounds, as the harness does for throughput: noise hits both sides alike.
  for (let round = 0; round < options.repetitions; round++) {
    for (const s of setups) {
      await deliver(s, { paced: perSecond }, count, clients);
      const measured = await s.clients.ask<Latencies>({ op: "latencies" });
      if (measured.count !== count * clients) {
        throw new Error(`${s.kind}: ${measured.count} latencies for ${count * clients} deliveries`);
      }
      rounds.set(s.kind, [...(rounds.get(s.kind) ?? []), measured]);
    }
  }
  return rounds;
}

/** The scenario, for the bench runner. */
export async function serverLoad(options: BenchOptions): Promise<CaseResult[]> {
  const clients = options.quick ? 20 : 100;
  const count = options.quick ? 60 : 1_000;
  const shape = `HTTP publish to ${clients} WebSocket clients, ${PAYLOAD_BYTES}-byte payloads`;
  // Both sides are started once and serve both measurements: starting a server and its
  // clients is most of what a quick run would otherwise spend.
  const setups: Setup[] = [];
  try {
    // Started side by side (nothing is measured yet); a side that fails is closed with the rest.
    const started = await Promise.allSettled(KINDS.map(({ kind }) => setUp(kind, clients)));
    for (const result of started) if (result.status === "fulfilled") setups.push(result.value);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    const contenders: Contender[] = KINDS.map(({ name }, i) => ({
      name,
      setup: () => ({ run: () => deliver(setups[i]!, "saturate", count, clients) }),
    }));
    const publishes = await runCase(
      SCENARIO,
      `${shape}, ${IN_FLIGHT} publishes in flight`,
      "publishes/s",
      count,
      contenders,
      options,
    );
    // Every publish reached every client in each timed run, so deliveries/s is exactly N × publishes/s.
    const deliveries = scaled(publishes, clients, "deliveries/s");
    options.log(format(deliveries));
    options.log(formatCpu());
    // Latency at one rate for both, half what the slower side sustained just now: a fixed
    // rate would queue on a slow or busy machine and measure the queue, not the path.
    const slower = Math.min(...publishes.contenders.map((c) => c.median));
    const perSecond = Math.max(1, Math.floor(slower * LOAD_FRACTION));
    const paced = Math.max(20, Math.round(perSecond * (options.quick ? 0.25 : 3)));
    const rounds = await latency(setups, paced, perSecond, options, clients);
    const p99 = latencyCase(rounds, `${shape}, p99 at ${perSecond} publishes/s (half the slower side's)`);
    options.log(formatLatency(rounds, p99, perSecond));
    return [publishes, deliveries, p99];
  } finally {
    await Promise.all(setups.map((s) => s.close()));
  }
}

function scaled(result: CaseResult, by: number, unit: string): CaseResult {
  const times = (s: Stats): Stats => ({
    name: s.name,
    median: s.median * by,
    min: s.min * by,
    max: s.max * by,
    samples: s.samples.map((v) => v * by),
  });
  return { ...result, unit, contenders: result.contenders.map(times) };
}

/** p99 per contender (median over rounds); the ratio is Chorus's over the peer's: lower is better. */
function latencyCase(rounds: ReadonlyMap<ServerKind, Latencies[]>, name: string): CaseResult {
  const stats = KINDS.map(({ kind, name }) =>
    summarise(
      name,
      (rounds.get(kind) ?? []).map((l) => l.p99),
    ),
  );
  const [chorus, ...peers] = stats;
  const ratios: Record<string, number> = {};
  for (const s of peers) if (chorus !== undefined) ratios[s.name] = chorus.median / s.median;
  return { scenario: SCENARIO, case: name, unit: "ms p99, lower is better", contenders: stats, ratios };
}

function formatCpu(): string {
  const lines = [`${SCENARIO} — CPU per publish in the throughput runs (µs, median)`];
  for (const { kind, name } of KINDS) {
    const samples = cpuPerPublish.get(kind);
    if (samples === undefined) continue;
    const server = summarise(name, samples.server).median;
    const clients = summarise(name, samples.clients).median;
    lines.push(
      `  ${name.padEnd(28)} server ${server.toFixed(1).padStart(8)}  clients ${clients.toFixed(1).padStart(8)}`,
    );
  }
  return lines.join("\n");
}

function formatLatency(
  rounds: ReadonlyMap<ServerKind, Latencies[]>,
  p99: CaseResult,
  perSecond: number,
): string {
  const lines = [
    `${SCENARIO} — publish request to receipt at ${perSecond} publishes/s (ms, median of rounds)`,
  ];
  for (const { kind, name } of KINDS) {
    const measured = rounds.get(kind) ?? [];
    const median = (pick: (l: Latencies) => number) => summarise(name, measured.map(pick)).median;
    const ratio = p99.ratios[name];
    const tail = ratio === undefined ? "" : `   chorus p99 ×${ratio.toFixed(2)} (lower is better)`;
    lines.push(
      `  ${name.padEnd(28)} p50 ${median((l) => l.p50)
        .toFixed(2)
        .padStart(7)}  p99 ${median((l) => l.p99)
        .toFixed(2)
        .padStart(7)}  max ${median((l) => l.max)
        .toFixed(2)
        .padStart(7)}${tail}`,
    );
  }
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const quick = process.argv.includes("--quick");
  await serverLoad({ quick, repetitions: quick ? 2 : 5, log: (line) => console.log(line) });
}
