/**
 * Config updates to every instance, across three nodes over Redis:
 *
 *   on each node a db worker subscribes to `config.db.*` and a cache worker to
 *   `config.cache.*` in the group "config"; a config service on node-1 publishes each
 *   change with its key as the topic; every worker applies what its pattern selects. A
 *   db worker that starts late on node-3 joins, then asks a peer (picked by topic) for
 *   the current config, and merges it with what arrived meanwhile by version.
 *
 * Runs against REDIS_URL, or a redis-server it starts itself. The example exits with
 * status 1 unless every worker ends with exactly its sections of the final config.
 */
import { type ActorRef, ActorSystem } from "../src/index.js";
import { Checks, run } from "./support/checks.js";
import { exampleRedis } from "./support/redis.js";

const SCOPE = { tenantId: "acme", namespace: "prod" };
const TIMINGS = { heartbeatIntervalMs: 200, nodeTimeoutMs: 1_500 };

/** A config change, or a request for the config a worker holds. */
type ConfigMessage =
  | { readonly type: "set"; readonly key: string; readonly value: string | number; readonly version: number }
  | { readonly type: "snapshot" };
type Config = Record<string, { value: string | number; version: number }>;

const CHANGES: [string, string | number][] = [
  ["db.host", "db-1.internal"],
  ["db.pool_size", 10],
  ["cache.ttl_s", 60],
  ["db.pool_size", 20],
  ["cache.max_items", 10_000],
  ["db.host", "db-2.internal"],
  ["cache.ttl_s", 30],
];
const LATE_CHANGES: [string, string | number][] = [
  ["db.pool_size", 25],
  ["cache.ttl_s", 45],
];

/** A worker: applies the changes it receives (newer versions win) and answers snapshot asks. */
function spawnWorker(
  system: ActorSystem,
  id: string,
  configs: Map<string, Config>,
): ActorRef<ConfigMessage, Config> {
  const config: Config = {};
  configs.set(id, config);
  return system.spawn({ id, ...SCOPE }, (message: ConfigMessage): Config => {
    if (message.type === "snapshot") return config;
    apply(config, message.key, message.value, message.version);
    console.log(
      `    → [${system.nodeId}] ${id} applied ${message.key} = ${message.value} (v${message.version})`,
    );
    return config;
  });
}

function apply(config: Config, key: string, value: string | number, version: number): void {
  if ((config[key]?.version ?? 0) < version) config[key] = { value, version };
}

async function main(): Promise<void> {
  console.log("=== Config updates to every instance, over three nodes ===\n");
  const checks = new Checks();
  const redis = await exampleRedis();
  const nodes: ActorSystem[] = [];
  try {
    for (const nodeId of ["node-1", "node-2", "node-3"]) {
      nodes.push(await ActorSystem.start({ nodeId, cluster: { redis: redis.url, ...TIMINGS } }));
    }
    const [first] = nodes as [ActorSystem];
    await first.groups(SCOPE).createGroup("config");
    const configs = new Map<string, Config>();

    console.log("Step 1: On every node, a db worker and a cache worker join 'config'");
    for (const node of nodes) {
      const config = node.groups(SCOPE).typed<ConfigMessage, Config>("config");
      const db = spawnWorker(node, `${node.nodeId}-db`, configs);
      const cache = spawnWorker(node, `${node.nodeId}-cache`, configs);
      // Visible cluster-wide: once this resolves, a publish from any node reaches them.
      await config.join(db, { topics: ["config.db.*"], visible: "cluster" });
      await config.join(cache, { topics: ["config.cache.*"], visible: "cluster" });
    }
    console.log(`  ✓ ${[...configs.keys()].join(", ")}\n`);

    console.log("Step 2: The config service on node-1 publishes each change, its key as the topic");
    const service = first.groups(SCOPE).typed<ConfigMessage, Config>("config");
    let version = 0;
    const publish = async ([key, value]: [string, string | number]) => {
      const result = await service.publish(
        { type: "set", key, value, version: ++version },
        { topic: `config.${key}` },
      );
      console.log(`  config.${key} = ${value} → ${result.recipients.length} workers`);
    };
    const holds = (id: string) => JSON.stringify(Object.fromEntries(Object.entries(configs.get(id)!).sort()));
    // Each worker's sections of the config the changes so far make, as it should hold them.
    const caughtUp = (changes: [string, string | number][]) => {
      const want: Config = {};
      for (const [i, [key, value]] of changes.entries()) apply(want, key, value, i + 1);
      const section = (prefix: string) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(want)
              .filter(([key]) => key.startsWith(prefix))
              .sort(),
          ),
        );
      return () =>
        [...configs.keys()].every((id) => holds(id) === section(id.includes("-db") ? "db." : "cache."));
    };
    for (const change of CHANGES) await publish(change);
    await checks.until("every worker to apply its changes", caughtUp(CHANGES));

    console.log("\nStep 3: A db worker starts late on node-3: it joins, then asks a peer for the config");
    const late = spawnWorker(nodes[2]!, "node-3-db-late", configs);
    const lateGroup = nodes[2]!.groups(SCOPE).typed<ConfigMessage, Config>("config");
    await lateGroup.join(late, { topics: ["config.db.*"], visible: "cluster" });
    // Any member subscribed to db keys has the db config; the topic picks one.
    const peer = await lateGroup.pick({ topic: "config.db.any", exclude: late, strategy: "local-first" });
    const snapshot = await peer.ask({ type: "snapshot" }, { timeoutMs: 2_000 });
    const lateConfig = configs.get(late.id)!;
    for (const [key, entry] of Object.entries(snapshot)) apply(lateConfig, key, entry.value, entry.version);
    console.log(`  asked ${peer.id} on ${peer.nodeId}: ${JSON.stringify(snapshot)}\n`);

    console.log("Step 4: More changes; the late worker applies them too");
    for (const change of LATE_CHANGES) await publish(change);

    await checks.until(
      "every worker, the late one too, to hold its sections of the final config",
      caughtUp([...CHANGES, ...LATE_CHANGES]),
    );
    console.log();
    for (const id of configs.keys()) console.log(`  ${id}: ${holds(id)}`);
    console.log();
  } finally {
    for (const node of nodes) await node.shutdown();
    redis.stop();
  }
  checks.finish([
    "a topic per config key lets each worker subscribe to exactly its sections (`config.db.*`)",
    "one publish reaches the subscribed workers on every node",
    "a late joiner asks a peer (picked by topic) for the state, then merges by version",
  ]);
}

run(main);
