/**
 * The conformance suite's Redis fixture: clustered ActorSystems in this process over
 * one test-owned redis-server. `settle()` is the shared barrier of
 * test/support/redis-cluster.ts: replicas current and caught up with Redis, and every
 * message published before delivered.
 * Nodes keep the default timings, so a busy machine never declares one dead.
 */
import { ActorSystem } from "../../src/index.js";
import { settle } from "../support/redis-cluster.js";
import { RedisServer } from "../support/redis-server.js";
import type { TestCluster } from "./world.js";

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
