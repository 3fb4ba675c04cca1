/**
 * Paused node processes (SIGSTOP/SIGCONT) over a real redis-server, docs/multi-node.md cases 2,
 * 3 and 14: a short pause purges nothing; a long one gets the node declared dead, and
 * when it comes back it re-asserts what its actors hold and nothing of its old
 * incarnation comes back; a visible join with a paused node rejects naming it or
 * resolves once that node is reaped.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Cluster, clusterSkipReason, hold, redisForThisFile } from "../support/cluster-fixture.js";
import { RemoteError } from "../support/node-process.js";
import { FAST } from "../support/timings.js";

const skip = clusterSkipReason();
const redis = redisForThisFile();

/** Three nodes, group g, two members on each. */
async function threeNodes(joinVisibilityTimeoutMs?: Record<string, number>): Promise<Cluster> {
  const c = await Cluster.start(redis.server.url, []);
  for (const node of ["n1", "n2", "n3"]) {
    const visibility = joinVisibilityTimeoutMs?.[node];
    await c.startNode(node, visibility === undefined ? {} : { joinVisibilityTimeoutMs: visibility });
  }
  await c.createGroup("n1", "g");
  for (const node of ["n1", "n2", "n3"]) {
    await c.spawn(node, `${node}-a`, `${node}-b`);
    await c.join(node, "g", `${node}-a`);
    await c.join(node, "g", `${node}-b`);
  }
  await c.converged();
  return c;
}

describe("a short pause", { skip }, () => {
  it("purges nothing, and the paused node catches up with what changed meanwhile", {
    timeout: 60_000,
  }, async () => {
    const c = await threeNodes();
    const paused = c.hostedBy("n3", "g");
    const since = Date.now();
    c.node("n3").pause();
    await c.spawn("n1", "while-paused");
    await c.join("n1", "g", "while-paused");
    await c.leave("n2", "g", "n2-b");
    await hold(FAST.nodeTimeoutMs / 2);
    c.node("n3").resume();
    await c.converged();
    // Had a survivor reaped n3, its watch would have seen n3's members leave.
    await hold(FAST.nodeTimeoutMs);
    for (const node of ["n1", "n2"]) assert.deepEqual(await c.leftEvents(node, paused, since), []);
    await c.converged();
    await c.stop();
  });
});

describe("a long pause", { skip }, () => {
  it("gets the node declared dead; back, it re-asserts its actors and resurrects nothing", {
    timeout: 60_000,
  }, async (t) => {
    const c = await threeNodes();
    await c.createGroup("n1", "k");
    await c.join("n3", "k", "n3-a");
    await c.join("n1", "k", "n1-a");
    await c.spawn("n3", "late");
    await c.converged();
    const { scope } = c;
    const n3 = c.node("n3");
    // A join that runs the moment n3 is thawed, before it can know it was declared dead.
    await n3.request({ op: "joinLater", scope, group: "g", actorId: "late", delayMs: 400 });
    const pausedAt = Date.now();
    n3.pause();
    const reaped = await c
      .node("n1")
      .request({ op: "waitGone", scope, group: "g", actorIds: ["n3-a", "n3-b"], timeoutMs: 20_000 }, 25_000);
    t.diagnostic(`the paused node was declared dead after ${reaped.atMs - pausedAt} ms`);
    // While n3 is dead: k is deleted and made again; n3-a's membership of the old k must stay dead.
    await c.deleteGroup("n2", "k");
    await c.createGroup("n2", "k");
    await c.join("n1", "k", "n1-a");
    await hold(Math.max(0, pausedAt + 2 * FAST.nodeTimeoutMs - Date.now()));
    n3.resume();
    // n3's actors are alive and still joined to g: it is whole again, plus the join it made late.
    c.recordJoin("n3", "g", "late");
    await c.converged(20_000);
    const events = await n3.request({ op: "events", tenantId: scope.tenantId });
    assert.deepEqual(
      events.filter((e) => e.group.startsWith("!")),
      [],
      "a join made by the thawed node failed",
    );
    await c.stop();
  });
});

describe("a visible join with a paused node", { skip }, () => {
  it("rejects naming the paused node, or resolves once it is reaped; the membership stays", {
    timeout: 60_000,
  }, async () => {
    // n1 gives up before anyone can be reaped; n2 waits longer than the reaping takes.
    const c = await threeNodes({ n1: 300, n2: 15_000 });
    const { scope } = c;
    const pausedAt = Date.now();
    c.node("n3").pause();
    // Resolving is only right once n3 is declared dead, which cannot happen before its last
    // heartbeat (at most one interval before the pause) is nodeTimeoutMs old.
    const earliestReap = pausedAt + FAST.nodeTimeoutMs - FAST.heartbeatIntervalMs;

    await c.spawn("n1", "x");
    try {
      await c.join("n1", "g", "x", true);
      assert.ok(Date.now() >= earliestReap, "a visible join resolved without the paused node");
    } catch (error) {
      assert.ok(error instanceof RemoteError, String(error));
      assert.equal(error.code, "JOIN_NOT_VISIBLE");
      assert.deepEqual(error.missingNodes, ["n3"]);
      c.recordJoin("n1", "g", "x"); // a rejected visible join keeps the membership
    }

    await c.spawn("n2", "y");
    await c.join("n2", "g", "y", true);
    assert.ok(
      Date.now() >= earliestReap,
      "the visible join resolved while the paused node was a live holder",
    );
    const view = await c.node("n1").request({ op: "view", scope, groups: ["g"] });
    assert.ok(view.g?.includes("y"), "the visible join resolved before n1 saw it");

    c.node("n3").resume();
    await c.converged(20_000);
    await c.stop();
  });
});
