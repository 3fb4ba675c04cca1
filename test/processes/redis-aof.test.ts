/**
 * A Redis restart with an append-only file under three node processes (docs/multi-node.md case
 * 6): groups are kept — an empty one too — memberships of live nodes are all there,
 * and nobody is evicted by the restart.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Cluster, clusterSkipReason, redisForThisFile } from "../support/cluster-fixture.js";

const skip = clusterSkipReason();
const redis = redisForThisFile({ appendOnly: true });

describe("a Redis restart with appendonly", { skip }, () => {
  it("keeps every group and membership and evicts nobody", { timeout: 60_000 }, async () => {
    const nodes = ["n1", "n2", "n3"];
    const c = await Cluster.start(redis.server.url, nodes);
    await c.createGroup("n1", "g");
    await c.createGroup("n2", "empty");
    await c.createGroup("n3", "gone");
    for (const node of nodes) {
      await c.spawn(node, `${node}-a`);
      await c.join(node, "g", `${node}-a`);
    }
    await c.deleteGroup("n1", "gone");
    await c.converged();
    const since = Date.now();
    await redis.server.restart();
    await c.converged(20_000);
    const actors = nodes.map((node) => `${node}-a`);
    for (const node of nodes)
      assert.deepEqual(await c.leftEvents(node, actors, since), [], `${node} saw evictions`);
    await c.spawn("n3", "after");
    await c.join("n3", "empty", "after");
    await c.converged();
    await c.stop();
  });
});
