/**
 * Service discovery and health checks across three nodes over Redis:
 *
 *   each node runs an instance of the "api" service, which joins the group `svc.api`
 *   with its address and version as presence meta; node-3 runs in a process of its own.
 *   A client on node-1 lists the instances, sends its requests `local-first` (served on
 *   its own node while it has an instance there), spreads others round-robin, and runs
 *   an `askGroup` health check with a timeout. node-3 is killed with SIGKILL: the next
 *   health check lists its instance as missing as soon as the node is declared dead,
 *   and it drops out of the service, so no request goes to it.
 *
 * Runs against REDIS_URL, or a redis-server it starts itself. This one file is also the
 * node-3 process, started with `--node`. It exits with status 1 if any of it did not happen.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ActorSystem, type ProcessGroups } from "../src/index.js";
import { Checks, run } from "./support/checks.js";
import { exampleRedis } from "./support/redis.js";

const SCOPE = { tenantId: "platform", namespace: "prod" };
const TIMINGS = { heartbeatIntervalMs: 200, nodeTimeoutMs: 1_500 };
const SERVICE = "svc.api";

type Request = { readonly type: "health" } | { readonly type: "work"; readonly n: number };
interface Answer {
  readonly served: string;
  readonly status?: "ok";
  readonly result?: number;
}

/** One instance of the api service on `system`: it answers health checks and requests. */
async function startInstance(system: ActorSystem): Promise<void> {
  const served = `api@${system.nodeId}`;
  const instance = system.spawn(
    { id: served, ...SCOPE },
    (request: Request): Answer =>
      request.type === "health" ? { served, status: "ok" } : { served, result: request.n * 2 },
  );
  const address = `10.0.0.${system.nodeId.slice(-1)}:8080`;
  await system
    .groups(SCOPE)
    .typed<Request, Answer>(SERVICE)
    .join(instance, { meta: { address, version: "1.4.2" }, visible: "cluster" });
}

/** node-3: a node in a process of its own, which the example kills. */
async function runNode(nodeId: string, redis: string): Promise<void> {
  const system = await ActorSystem.start({ nodeId, cluster: { redis, ...TIMINGS } });
  await startInstance(system);
  process.send?.("ready");
  process.on("disconnect", () => void system.shutdown().finally(() => process.exit(0)));
}

async function healthCheck(groups: ProcessGroups, timeoutMs: number): Promise<string[]> {
  const { replies, missing } = await groups.askGroup<Answer>(SERVICE, { type: "health" }, { timeoutMs });
  for (const r of replies)
    console.log(`  ✓ ${r.member.id} at ${JSON.stringify(r.member.meta)}: ${r.reply.status}`);
  for (const m of missing) console.log(`  ✗ ${m.member.id}: ${m.error.code} (${m.error.message})`);
  return replies.map((r) => r.member.id).sort();
}

async function coordinate(): Promise<void> {
  console.log("=== Service discovery and health checks over three nodes ===\n");
  const checks = new Checks();
  const redis = await exampleRedis();
  const nodes: ActorSystem[] = [];
  const third = fork(fileURLToPath(import.meta.url), ["--node", "node-3", redis.url], { stdio: "inherit" });
  try {
    for (const nodeId of ["node-1", "node-2"]) {
      nodes.push(await ActorSystem.start({ nodeId, cluster: { redis: redis.url, ...TIMINGS } }));
    }
    const [client] = nodes as [ActorSystem];
    await client.groups(SCOPE).createGroup(SERVICE);
    for (const node of nodes) await startInstance(node);
    await new Promise<void>((resolve, reject) => {
      third.once("message", () => resolve());
      third.once("exit", (code) => reject(new Error(`node-3 exited (${code}) while starting`)));
    });
    const groups = client.groups(SCOPE);
    const api = groups.typed<Request, Answer>(SERVICE);

    console.log("Step 1: The client on node-1 discovers the api instances");
    await checks.until("all three instances to be listed", async () => (await api.members()).length === 3);
    for (const m of await api.members()) console.log(`  ${m.id} at ${JSON.stringify(m.meta)}`);

    console.log("\nStep 2: Requests, local-first, then round-robin");
    const send = async (strategy: "local-first" | "round-robin") => {
      const instance = await api.pick({ strategy });
      return (await instance.ask({ type: "work", n: 21 }, { timeoutMs: 2_000 })).served;
    };
    const local: string[] = [];
    for (let i = 0; i < 4; i++) local.push(await send("local-first"));
    console.log(`  local-first: ${local.join(", ")}`);
    checks.expect(
      local.every((s) => s === "api@node-1"),
      `local-first went to ${local.join(", ")}, not node-1's own instance`,
    );
    const spread: string[] = [];
    for (let i = 0; i < 6; i++) spread.push(await send("round-robin"));
    console.log(`  round-robin: ${spread.join(", ")}`);
    checks.expect(new Set(spread).size === 3, "round-robin did not reach all three instances");

    console.log("\nStep 3: A health check of the service, 500 ms to answer");
    const healthy = await healthCheck(groups, 500);
    checks.expect(healthy.length === 3, `${healthy.length} healthy instances, expected 3`);

    console.log("\nStep 4: node-3 is killed (SIGKILL); the next health check");
    const killedAt = Date.now();
    third.kill("SIGKILL");
    const after = await healthCheck(groups, 5_000);
    console.log(`  (it resolved ${Date.now() - killedAt} ms after the kill, well before its 5 s timeout)`);
    checks.expect(after.join() === "api@node-1,api@node-2", `healthy after the kill: ${after.join(", ")}`);
    await checks.until(
      "node-3's instance to drop out of the service",
      async () => (await api.members()).length === 2,
    );
    const rest: string[] = [];
    for (let i = 0; i < 6; i++) rest.push(await send("round-robin"));
    console.log(`  round-robin now: ${rest.join(", ")}\n`);
    checks.expect(!rest.includes("api@node-3"), "a request went to the dead node's instance");
  } finally {
    if (third.exitCode === null && third.signalCode === null) third.kill("SIGKILL");
    for (const node of nodes) await node.shutdown();
    redis.stop();
  }
  checks.finish([
    "an instance joins its service's group with its address as presence meta: discovery is a members() call",
    "local-first keeps a request on its node when the service runs there, as pg's closest pick",
    "askGroup is a health check that never hangs: a dead node's instance is listed as missing",
    "a node that dies drops out of every service once it misses its heartbeats",
  ]);
}

const [mode, nodeId, url] = process.argv.slice(2);
run(() =>
  mode === "--node" && nodeId !== undefined && url !== undefined ? runNode(nodeId, url) : coordinate(),
);
