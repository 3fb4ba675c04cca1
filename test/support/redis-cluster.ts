/**
 * In-process clusters over a test-owned redis-server: several ActorSystems in this
 * process, each a node with short timings, and a settle barrier that waits until every
 * node's replicas are current and at Redis's sequence number.
 */

import { isSettled, messageBarrier } from "../../src/cluster/redis/test-seams.js";
import { ActorSystem, type RedisClusterOptions } from "../../src/index.js";
import { clusterBackendOf } from "../../src/system.js";
import { FAST } from "./timings.js";

/** Starts `count` nodes named `<prefix>-0…`, one after another. */
export async function startNodes(
  url: string,
  count: number,
  prefix: string,
  extra: Partial<Omit<RedisClusterOptions, "redis">> = {},
): Promise<ActorSystem[]> {
  const nodes: ActorSystem[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push(
      await ActorSystem.start({
        nodeId: `${prefix}-${i}`,
        cluster: { redis: url, ...FAST, ...extra },
      }),
    );
  }
  return nodes;
}

/**
 * Waits until every running node's replicas are current and caught up with Redis, and
 * then until every message published before that has reached its members' mailboxes.
 */
export async function settle(nodes: readonly ActorSystem[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const live = () => nodes.filter((n) => !n.isStopped).map((n) => clusterBackendOf(n));
  for (;;) {
    const states = await Promise.all(live().map((b) => (b === undefined ? true : isSettled(b))));
    if (states.every(Boolean)) break;
    if (Date.now() > deadline) throw new Error(`the cluster did not settle within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const barriers = await Promise.all(live().map((b) => (b === undefined ? true : messageBarrier(b))));
  if (!barriers.every(Boolean)) throw new Error("a node's message barrier did not come back");
}
