/**
 * The conformance suite over Redis: 2 and 3 nodes in this process, each its own
 * ActorSystem joined to one test-owned redis-server. `settle()` waits until every
 * node's replica of every scope it opened has caught up with Redis.
 *
 * Skipped, loudly, where redis-server is not installed (and failed in CI, where it must be).
 */
import { ActorSystem } from "../../src/index.js";
import { clusterBackendOf } from "../../src/system.js";
import { RedisServer, redisSkipReason } from "../support/redis-server.js";
import { defineConformanceSuite, type TestCluster } from "./suite.js";

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

async function start(nodeCount: number): Promise<TestCluster> {
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

const skip = redisSkipReason();
for (const nodeCount of [2, 3]) {
  defineConformanceSuite("redis", { ...(skip !== undefined && { skip }), start }, nodeCount);
}
