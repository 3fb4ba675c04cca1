/**
 * A cluster of clustered ActorSystems in this process over one test-owned
 * redis-server: the fixture of the conformance suite and of the model check over
 * Redis. `settle()` waits until every node's replica of every scope it opened has
 * caught up with Redis.
 */
import { ActorSystem } from "../../src/index.js";
import { clusterBackendOf } from "../../src/system.js";
import { RedisServer } from "../support/redis-server.js";
import type { TestCluster } from "./world.js";

const SETTLE_TIMEOUT_MS = 10_000;

async function settle(nodes: readonly ActorSystem[]): Promise<void> {
  // Two passes: a node can still publish a change (an actor's stop is written in the
  // background) while an earlier node is being checked.
  for (let pass = 0; pass < 2; pass++) {
    for (const node of nodes) {
      const backend = clusterBackendOf(node);
      if (backend === undefined) throw new Error(`node ${node.nodeId} is not clustered`);
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      while (!(await backend.isSettled())) {
        if (Date.now() > deadline)
          throw new Error(`node ${node.nodeId} did not settle in ${SETTLE_TIMEOUT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }
}

/** Starts a redis-server and `nodeCount` clustered systems on it; `close()` stops them all. */
export async function startRedisCluster(nodeCount: number): Promise<TestCluster> {
  const server = await RedisServer.start();
  const nodes: ActorSystem[] = [];
  try {
    for (let i = 0; i < nodeCount; i++) {
      nodes.push(await ActorSystem.start({ nodeId: `node-${i}`, cluster: { redis: server.url } }));
    }
  } catch (error) {
    for (const node of nodes) await node.shutdown();
    await server.stop();
    throw error;
  }
  return {
    nodes,
    settle: () => settle(nodes),
    async close() {
      for (const node of nodes) await node.shutdown();
      await server.stop();
    },
  };
}
