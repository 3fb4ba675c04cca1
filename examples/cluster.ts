/**
 * Chorus across processes over Redis:
 *
 *   three nodes, each its own OS process, host two actors each in "notifications";
 *   a broadcast from node-1 reaches all six (each prints the line itself, in its own
 *   process); node-3 is killed with SIGKILL; the survivors' view shrinks to four once
 *   node-3 misses its heartbeats.
 *
 * Runs against REDIS_URL when given; otherwise it starts a throwaway redis-server on a
 * free port and stops it at the end. This one file is both the coordinator and, started
 * with `--node <id>`, a node. It exits with status 1 if anything it shows did not happen.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type ActorContext, ActorSystem } from "../src/index.js";
import { exampleRedis } from "./support/redis.js";

const SCOPE = { tenantId: "demo", namespace: "default" };
const GROUP = "notifications";
const NODES = ["node-1", "node-2", "node-3"];
const TIMINGS = { heartbeatIntervalMs: 200, nodeTimeoutMs: 1_500 };

type Request =
  | { id: number; op: "create" | "join" | "members" }
  | { id: number; op: "publish"; text: string };
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
type Delivered = { type: "delivered"; nodeId: string; actorId: string; text: string };
type Note = { type: "ready" } | Delivered;

// ---------------------------------------------------------------- a node (child process)

async function runNode(nodeId: string, redis: string): Promise<void> {
  const system = await ActorSystem.start({ nodeId, cluster: { redis, ...TIMINGS } });
  const groups = system.groups(SCOPE);
  const workers = [1, 2].map((n) =>
    system.spawn({ id: `${nodeId}-worker-${n}`, ...SCOPE }, (message: unknown, context: ActorContext) => {
      const text = String(message);
      console.log(`    → [${nodeId}] ${context.self.id} received: '${text}'`);
      process.send?.({ type: "delivered", nodeId, actorId: context.self.id, text } satisfies Note);
    }),
  );
  const handle = async (request: Request): Promise<unknown> => {
    switch (request.op) {
      case "create":
        return (await groups.createGroup(GROUP)).name;
      case "join":
        // Visible cluster-wide: once this resolves, a publish from any node reaches the workers.
        for (const worker of workers) await groups.joinGroup(GROUP, worker, { visible: "cluster" });
        return workers.length;
      case "publish":
        return (await groups.publishToGroup(GROUP, request.text)).perNode;
      case "members":
        return (await groups.getMembers(GROUP)).sort();
    }
  };
  process.on("message", (raw) => {
    const request = raw as Request;
    handle(request).then(
      (result) => process.send?.({ id: request.id, ok: true, result } satisfies Reply),
      (error: unknown) => process.send?.({ id: request.id, ok: false, error: String(error) } satisfies Reply),
    );
  });
  process.on("disconnect", () => void system.shutdown().finally(() => process.exit(0)));
  process.send?.({ type: "ready" } satisfies Note);
}

// ---------------------------------------------------------------- the coordinator

class Node {
  readonly #pending = new Map<number, (reply: Reply) => void>();
  #next = 1;
  readonly ready: Promise<void>;

  constructor(
    readonly nodeId: string,
    readonly child: ChildProcess,
    onDelivered: (note: Delivered) => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`${nodeId} exited (${code}) while starting`)));
      child.on("message", (raw) => {
        const message = raw as Reply | Note;
        if ("type" in message) {
          if (message.type === "ready") resolve();
          else onDelivered(message);
          return;
        }
        this.#pending.get(message.id)?.(message);
        this.#pending.delete(message.id);
      });
    });
  }

  async ask<T>(op: "create" | "join" | "members"): Promise<T>;
  async ask<T>(op: "publish", text: string): Promise<T>;
  async ask<T>(op: Request["op"], text?: string): Promise<T> {
    const id = this.#next++;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.nodeId} did not answer '${op}'`)), 10_000);
      this.#pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.child.send(op === "publish" ? { id, op, text: text ?? "" } : { id, op });
    });
    if (!reply.ok) throw new Error(`${this.nodeId}: ${reply.error}`);
    return reply.result as T;
  }
}

async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function coordinate(): Promise<void> {
  console.log("=== Process groups across three processes, over Redis ===\n");
  const own = await exampleRedis();
  const redis = own.url;
  console.log(`Redis: ${redis}${own.isOwn ? " (a redis-server started for this example)" : ""}\n`);
  const deliveries: Delivered[] = [];
  const nodes: Node[] = [];
  const problems: string[] = [];
  try {
    console.log("Step 1: Starting three nodes, each in its own process");
    for (const nodeId of NODES) {
      const child = fork(fileURLToPath(import.meta.url), ["--node", nodeId, redis], { stdio: "inherit" });
      nodes.push(new Node(nodeId, child, (note) => deliveries.push(note)));
    }
    await Promise.all(nodes.map((node) => node.ready));
    const [first, second, third] = nodes as [Node, Node, Node];
    console.log(
      `  ✓ ${NODES.join(", ")} up (heartbeat ${TIMINGS.heartbeatIntervalMs} ms, timeout ${TIMINGS.nodeTimeoutMs} ms)\n`,
    );

    console.log(`Step 2: node-1 creates '${GROUP}'; every node joins two workers, visible cluster-wide`);
    await first.ask("create");
    for (const node of nodes) await node.ask("join");
    const before = await first.ask<string[]>("members");
    console.log(`  node-1 sees ${before.length} members: ${before.join(", ")}\n`);
    if (before.length !== 6) problems.push(`node-1 sees ${before.length} members, expected 6`);

    console.log("Step 3: node-1 broadcasts; the workers on all three nodes print what they receive");
    const text = "Hello, cluster!";
    const perNode = await first.ask<Record<string, number>>("publish", text);
    console.log(`  published to ${JSON.stringify(perNode)}`);
    const workers = NODES.flatMap((id) => [`${id}-worker-1`, `${id}-worker-2`]);
    const receivers = () => deliveries.filter((d) => d.text === text).map((d) => d.actorId);
    await until(
      "the broadcast to reach all six workers",
      () => receivers().length >= workers.length,
      5_000,
    ).catch((error: Error) => problems.push(error.message));
    const reached = [...new Set(deliveries.filter((d) => d.text === text).map((d) => d.nodeId))].sort();
    console.log(`  delivered on ${reached.join(", ")}\n`);
    if (receivers().sort().join() !== workers.join()) {
      problems.push(
        `the broadcast reached ${receivers().sort().join(", ")}; expected each of ${workers.join(", ")} once`,
      );
    }

    console.log("Step 4: node-3 is killed (SIGKILL: no goodbye, its heartbeats just stop)");
    const killedAt = Date.now();
    third.child.kill("SIGKILL");
    const survivors = [first, second];
    const shrunk = async () => {
      for (const node of survivors) if ((await node.ask<string[]>("members")).length !== 4) return false;
      return true;
    };
    await until("the survivors' view to shrink", shrunk, TIMINGS.nodeTimeoutMs * 5).catch((error: Error) =>
      problems.push(error.message),
    );
    for (const node of survivors) {
      const after = await node.ask<string[]>("members");
      console.log(`  ${node.nodeId} now sees ${after.length} members: ${after.join(", ")}`);
      if (after.some((id) => id.startsWith("node-3")))
        problems.push(`${node.nodeId} still lists node-3's workers`);
    }
    console.log(`  (node-3's workers were gone ${Date.now() - killedAt} ms after the kill)\n`);
  } catch (error) {
    problems.push(String(error));
  } finally {
    for (const node of nodes) if (node.child.connected) node.child.disconnect();
    await Promise.all(
      nodes.map((node) =>
        node.child.exitCode !== null || node.child.signalCode !== null
          ? null
          : new Promise((r) => node.child.once("exit", r)),
      ),
    );
    own.stop();
  }
  if (problems.length > 0) {
    console.error("Example FAILED:");
    for (const problem of problems) console.error(`  ✗ ${problem}`);
    process.exitCode = 1;
    return;
  }
  console.log("✅ Example complete.\n");
  console.log("Key takeaways:");
  console.log("  • getMembers is cluster-wide and answered from this node's replica, no Redis round trip");
  console.log("  • one publish reaches members on every node: one Redis message, not one per member");
  console.log("  • a node that dies leaves every group once it misses its heartbeats for nodeTimeoutMs");
}

const [mode, nodeId, url] = process.argv.slice(2);
const main =
  mode === "--node" && nodeId !== undefined && url !== undefined ? runNode(nodeId, url) : coordinate();
main.catch((error: unknown) => {
  console.error("Example crashed:", error);
  process.exitCode = 1;
});
