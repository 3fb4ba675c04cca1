/**
 * Node crashes, with real processes over a real redis-server (CLUSTER.md cases 1 and 11):
 * a SIGKILLed node's members leave every other view after the timeout, and a node
 * restarted at once under the same id replaces its previous incarnation without waiting
 * for the timeout and without double members.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Cluster, clusterSkipReason, FAST, redisForThisFile } from "../support/cluster-fixture.js";

const skip = clusterSkipReason();
const redis = redisForThisFile();

describe("a crashed node", { skip }, () => {
  it("leaves every view within nodeTimeoutMs plus a heartbeat, never before the timeout", {
    timeout: 60_000,
  }, async (t) => {
    const c = await Cluster.start(redis.server.url, ["n1", "n2", "n3"]);
    await c.createGroup("n1", "g");
    await c.createGroup("n2", "h");
    for (const node of ["n1", "n2", "n3"]) {
      await c.spawn(node, `${node}-a`, `${node}-b`);
      await c.join(node, "g", `${node}-a`);
      await c.join(node, "g", `${node}-b`);
      await c.join(node, "h", `${node}-a`);
    }
    await c.converged();

    const victims = c.hostedBy("n3", "g");
    const { scope } = c;
    const watches = ["n1", "n2"].map((id) =>
      c.node(id).request({ op: "waitGone", scope, group: "g", actorIds: victims, timeoutMs: 20_000 }, 25_000),
    );
    const killedAt = Date.now();
    await c.node("n3").crash();
    const vanished = (await Promise.all(watches)).map((seen) => seen.atMs - killedAt);
    const { heartbeatIntervalMs: beat, nodeTimeoutMs: timeout } = FAST;
    t.diagnostic(
      `a crashed node's members vanished from the survivors' views after ${vanished.join(" and ")} ms ` +
        `(nodeTimeoutMs ${timeout}, heartbeatIntervalMs ${beat}: bound ${timeout + beat} ms)`,
    );
    // Its last heartbeat was at most one interval before the kill: no survivor may reap earlier.
    for (const ms of vanished) assert.ok(ms >= timeout - beat, `reaped after only ${ms} ms`);
    // The bound of the contract, with room for a loaded machine's scheduling (measured figure above).
    for (const ms of vanished) assert.ok(ms <= timeout + beat + 2_000, `members still there after ${ms} ms`);

    c.forgetNode("n3");
    await c.converged();
    await c.stop();
  });
});

describe("a node restarted at once with the same nodeId", { skip }, () => {
  it("replaces its previous incarnation without waiting for the timeout", { timeout: 60_000 }, async (t) => {
    // A long timeout: were the old incarnation reaped by timeout, this test would time out.
    const c = await Cluster.start(redis.server.url, ["n1", "n2", "n3"], {
      heartbeatIntervalMs: 150,
      nodeTimeoutMs: 20_000,
    });
    await c.createGroup("n1", "g");
    await c.createGroup("n1", "h");
    await c.spawn("n1", "keep");
    await c.join("n1", "g", "keep");
    await c.spawn("n3", "a", "b");
    await c.join("n3", "g", "a");
    await c.join("n3", "g", "a");
    await c.join("n3", "g", "b");
    await c.join("n3", "h", "a");
    await c.converged();

    await c.node("n3").crash();
    const restartedAt = Date.now();
    c.forgetNode("n3");
    await c.startNode("n3");
    // The new incarnation hosts an actor of the same id, in g only, and a new one.
    await c.spawn("n3", "a", "c");
    await c.join("n3", "g", "a");
    await c.join("n3", "g", "c");
    await c.converged(10_000);
    t.diagnostic(
      `the old incarnation was replaced everywhere ${Date.now() - restartedAt} ms after the restart`,
    );

    // Leaving once takes a's only join of the new incarnation: the old count of 2 is not carried over.
    await c.leave("n3", "g", "a");
    await c.converged();
    await c.stop();
  });
});
