/**
 * Redis failing under three node processes (docs/multi-node.md cases 5, 7 and 9): a restart
 * without persistence loses no membership of a live node and evicts nobody; killing
 * every subscriber connection loses no change; a stall longer than the node timeout
 * evicts nobody. After each, every replica equals Redis and what the actors did.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Cluster, clusterSkipReason, hold, redisForThisFile } from "../support/cluster-fixture.js";
import { eventually } from "../support/helpers.js";
import { FAST } from "../support/timings.js";

const skip = clusterSkipReason();
const redis = redisForThisFile();

const NODES = ["n1", "n2", "n3"];

/** Three nodes, groups g and h, members of each node in both. */
async function threeNodes(): Promise<{ c: Cluster; everyone: string[] }> {
  const c = await Cluster.start(redis.server.url, NODES);
  await c.createGroup("n1", "g");
  await c.createGroup("n2", "h");
  for (const node of NODES) {
    await c.spawn(node, `${node}-a`, `${node}-b`);
    await c.join(node, "g", `${node}-a`);
    await c.join(node, "g", `${node}-b`);
    await c.join(node, "h", `${node}-a`);
  }
  await c.converged();
  return { c, everyone: NODES.flatMap((node) => [`${node}-a`, `${node}-b`]) };
}

async function assertNobodyLeft(c: Cluster, actors: string[], since: number): Promise<void> {
  const outputs = NODES.map((node) => `--- ${node}:\n${c.node(node).output.slice(-1_500)}`).join("\n");
  for (const node of NODES) {
    assert.deepEqual(await c.leftEvents(node, actors, since), [], `${node} saw evictions\n${outputs}`);
  }
}

describe("a Redis restart without persistence", { skip }, () => {
  it("loses no membership of a live node and evicts nobody", { timeout: 60_000 }, async () => {
    const { c, everyone } = await threeNodes();
    const since = Date.now();
    await redis.server.restart();
    await c.converged(20_000);
    // A node that finds the store emptied must not drop the others' members before they re-assert.
    await assertNobodyLeft(c, everyone, since);
    // And the cluster works on: a change made after the restart reaches everyone.
    await c.spawn("n2", "after");
    await c.join("n2", "h", "after");
    await c.leave("n3", "g", "n3-b");
    await c.converged();
    await c.stop();
  });
});

describe("CLIENT KILL TYPE pubsub", { skip }, () => {
  it("loses no membership change made while the subscribers were cut", { timeout: 60_000 }, async () => {
    const { c } = await threeNodes();
    const { scope } = c;
    await c.spawn("n1", "gap-1");
    const killed = await redis.admin((client) => client.client("KILL", "TYPE", "pubsub"));
    assert.ok(Number(killed) >= NODES.length, `only ${killed} subscriber connections were killed`);
    // These changes' events are published while no node is subscribed.
    await c.join("n1", "g", "gap-1");
    await c.leave("n2", "g", "n2-b");
    await c.deleteGroup("n3", "h");
    await c.converged();
    // Messages flow again: a publish from n2 reaches the members on every node.
    await eventually("a publish after the kill to reach every member", async () => {
      const tag = `probe-${Date.now()}`;
      await c.node("n2").request({ op: "publish", scope, group: "g", message: tag });
      await hold(200);
      const missing: string[] = [];
      for (const node of NODES) {
        const got = await c.node(node).request({ op: "received", tenantId: scope.tenantId });
        for (const id of c.hostedBy(node, "g")) {
          if (!got.some((d) => d.actorId === id && d.message === tag)) missing.push(id);
        }
      }
      return missing.length === 0 ? null : `not delivered to ${missing.join(", ")}`;
    });
    await c.stop();
  });
});

describe("a Redis stall longer than the node timeout", { skip }, () => {
  it("evicts nobody", { timeout: 60_000 }, async () => {
    const { c, everyone } = await threeNodes();
    const since = Date.now();
    const stallMs = 2.5 * FAST.nodeTimeoutMs;
    await redis.admin((client) => client.client("PAUSE", String(stallMs), "ALL"));
    await hold(stallMs);
    await c.converged();
    // A reaper that misjudged the stall would act within a timeout after it.
    await hold(FAST.nodeTimeoutMs + FAST.heartbeatIntervalMs);
    await c.converged();
    await assertNobodyLeft(c, everyone, since);
    await c.stop();
  });
});
