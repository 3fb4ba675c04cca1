/**
 * Failures with several ActorSystems in this process and a redis-server this file
 * owns: a node that dies without cleanup, a node declared dead that comes back, the
 * same nodeId restarted, every subscriber cut (CLIENT KILL TYPE pubsub), a Redis
 * restart without persistence, and joins that must be visible cluster-wide.
 * Timings are short (heartbeat 150 ms, timeout 1 s); every wait has a deadline.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { crash, inspect, pauseHeartbeat } from "../../src/cluster/redis/test-seams.js";
import { type ActorSystem, JoinNotVisibleError } from "../../src/index.js";
import { clusterBackendOf } from "../../src/system.js";
import { converged, view } from "../support/cluster-views.js";
import { eventually, freshScope, recorder } from "../support/helpers.js";
import { startNodes } from "../support/redis-cluster.js";
import { RedisServer, redisSkipReason } from "../support/redis-server.js";
import { readGroups, readMembers, scopeKeys, withRedis } from "../support/redis-state.js";
import { FAST } from "../support/timings.js";

const seen: Record<string, string[] | "missing"> = {};

const skip = redisSkipReason();

describe("failures over Redis", { skip }, () => {
  let redis: RedisServer;
  let nodes: ActorSystem[];
  let a: ActorSystem;
  let b: ActorSystem;
  before(async () => {
    redis = await RedisServer.start();
    nodes = await startNodes(redis.url, 2, "f");
    [a, b] = nodes as [ActorSystem, ActorSystem];
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.shutdown()));
    await redis.stop();
  });

  it("purges a node that stops heartbeating without cleanup from Redis and every replica", async (t) => {
    const scope = freshScope();
    const [doomed] = await startNodes(redis.url, 1, "doomed");
    await a.groups(scope).createGroup("g");
    for (let i = 0; i < 5; i++)
      await doomed!.groups(scope).joinGroup("g", recorder(doomed!, scope, `d${i}`).ref);
    await a.groups(scope).joinGroup("g", recorder(a, scope, "alive").ref);
    await converged(redis.url, [...nodes, doomed!], scope, "g", ["alive", "d0", "d1", "d2", "d3", "d4"]);
    const crashedAt = Date.now();
    crash(clusterBackendOf(doomed!)!);
    await converged(redis.url, nodes, scope, "g", ["alive"], 20_000);
    const vanishedMs = Date.now() - crashedAt;
    t.diagnostic(
      `dead node's members vanished after ${vanishedMs} ms (nodeTimeoutMs ${FAST.nodeTimeoutMs}, heartbeat ${FAST.heartbeatIntervalMs})`,
    );
    await doomed!.shutdown();
  });

  it("fences a node declared dead during a long pause; it comes back whole under a new incarnation", async () => {
    const scope = freshScope();
    const [paused] = await startNodes(redis.url, 1, "paused");
    const backend = clusterBackendOf(paused!)!;
    await a.groups(scope).createGroup("g");
    const p = recorder(paused!, scope, "p");
    await paused!.groups(scope).joinGroup("g", p.ref);
    await converged(redis.url, [...nodes, paused!], scope, "g", ["p"]);
    const before = inspect(backend).incarnation;
    const resume = pauseHeartbeat(backend);
    await converged(redis.url, nodes, scope, "g", [], 20_000);
    // A write of the fenced incarnation is refused; the new incarnation re-asserts it.
    const q = recorder(paused!, scope, "q");
    const joined = paused!.groups(scope).joinGroup("g", q.ref);
    resume();
    await joined;
    await converged(redis.url, [...nodes, paused!], scope, "g", ["p", "q"]);
    assert.notEqual(inspect(backend).incarnation, before, "a new incarnation");
    await a.groups(scope).publishToGroup("g", "back");
    await eventually(
      "the members of the returned node to receive again",
      () => p.received.length === 1 && q.received.length === 1,
      5_000,
    );
    await paused!.shutdown();
  });

  it("refuses the writes of a fenced incarnation, so one made just before dying leaves nothing behind", async () => {
    const scope = freshScope();
    const [late] = await startNodes(redis.url, 1, "late");
    await a.groups(scope).createGroup("g");
    await late!.groups(scope).joinGroup("g", recorder(late!, scope, "before").ref);
    await converged(redis.url, [...nodes, late!], scope, "g", ["before"]);
    pauseHeartbeat(clusterBackendOf(late!)!); // never resumed: it dies after one more write
    await converged(redis.url, nodes, scope, "g", [], 20_000);
    await late!.groups(scope).joinGroup("g", recorder(late!, scope, "after").ref);
    crash(clusterBackendOf(late!)!);
    // Were the late write accepted under the dead incarnation, no reaper would ever
    // come for it again; refused, it made a new incarnation, which is reaped in turn.
    await converged(redis.url, nodes, scope, "g", [], 20_000);
    await eventually(
      "the new incarnation to be reaped",
      () => !clusterBackendOf(a)!.liveness.liveNodes.has("late-0"),
      5_000,
    );
    await converged(redis.url, nodes, scope, "g", [], 20_000);
    await late!.shutdown();
  });

  it("purges the previous incarnation at once when a node restarts with the same nodeId", async () => {
    const scope = freshScope();
    const [first] = await startNodes(redis.url, 1, "same");
    await a.groups(scope).createGroup("g");
    await first!.groups(scope).joinGroup("g", recorder(first!, scope, "old").ref);
    await converged(redis.url, [...nodes, first!], scope, "g", ["old"]);
    crash(clusterBackendOf(first!)!);
    const [second] = await startNodes(redis.url, 1, "same");
    // Registration itself purged the old incarnation: Redis has no row of it now.
    await converged(redis.url, nodes, scope, "g", []);
    await second!.groups(scope).joinGroup("g", recorder(second!, scope, "new").ref);
    await converged(redis.url, [...nodes, second!], scope, "g", ["new"]);
    await first!.shutdown();
    await second!.shutdown();
  });

  it("resubscribes and resyncs after every subscriber is killed, recovering the changes of the gap", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("g");
    const rb = recorder(b, scope, "rb");
    await b.groups(scope).joinGroup("g", rb.ref);
    await converged(redis.url, nodes, scope, "g", ["rb"]);
    const resyncsBefore = inspect(clusterBackendOf(b)!).resyncs;
    await withRedis(redis.url, (admin) => admin.client("KILL", "TYPE", "pubsub"));
    // Changes made while the subscribers reconnect: their events may be lost.
    for (let i = 0; i < 5; i++) await a.groups(scope).joinGroup("g", recorder(a, scope, `ra${i}`).ref);
    await a.groups(scope).createGroup("during");
    await converged(redis.url, nodes, scope, "g", ["ra0", "ra1", "ra2", "ra3", "ra4", "rb"]);
    await converged(redis.url, nodes, scope, "during", []);
    await eventually("b to resync", () => inspect(clusterBackendOf(b)!).resyncs > resyncsBefore, 5_000);
    await eventually(
      "messages to flow again",
      () => {
        void a.groups(scope).publishToGroup("g", "ping");
        return rb.received.length > 0;
      },
      5_000,
    );
  });

  it("finds a change whose event was lost on the next heartbeat (idle-replica tail check)", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("g");
    await b.groups(scope).getMembers("g");
    await eventually(
      "no replica to wait for a grace to end",
      () =>
        nodes.every((n) =>
          inspect(clusterBackendOf(n)!).scopes.every((s) => s.isCurrent && !s.isProvisional),
        ),
      5_000,
    );
    const keys = scopeKeys(scope);
    await withRedis(redis.url, async (admin) => {
      // A change made in Redis whose event never went out: a row and a bumped sequence.
      await admin.hset(`${keys.membersPrefix}g`, "ghost-node\nghost", "1\n1\n");
      await admin.hincrby(keys.meta, "seq", 1);
    });
    for (const n of nodes) {
      await eventually(
        `${n.nodeId} to find the lost change`,
        () => {
          void view(n, scope, "g").then((v) => (seen[n.nodeId] = v));
          return JSON.stringify(seen[n.nodeId]) === JSON.stringify(["ghost"]);
        },
        5_000,
      );
    }
  });

  it("ends a burst of joins and leaves cut by killed command connections as the actors left it", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("g");
    const actors = Array.from({ length: 40 }, (_, i) => recorder(i % 2 === 0 ? a : b, scope, `k${i}`));
    const burst = actors.map(async (r, i) => {
      const groups = (i % 2 === 0 ? a : b).groups(scope);
      await groups.joinGroup("g", r.ref);
      await groups.joinGroup("g", r.ref);
      await groups.leaveGroup("g", r.ref);
      if (i % 4 === 0) await groups.leaveGroup("g", r.ref);
    });
    await withRedis(redis.url, (admin) => admin.client("KILL", "TYPE", "normal", "SKIPME", "yes"));
    await Promise.all(burst);
    const staying = actors.filter((_, i) => i % 4 !== 0).map((r) => r.ref.id);
    await converged(redis.url, nodes, scope, "g", staying);
  });

  it("builds a replica during a stream of changes without losing or doubling one", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("g");
    let writing = true;
    const stream = (async () => {
      for (let round = 0; writing || round < 5; round++) {
        const r = recorder(a, scope, `s${round}`);
        await a.groups(scope).joinGroup("g", r.ref);
        if (round % 3 !== 0) await a.groups(scope).leaveGroup("g", r.ref);
      }
    })();
    const [late] = await startNodes(redis.url, 1, "built-late");
    await late!.groups(scope).getMembers("g"); // opened while the stream runs
    writing = false;
    await stream;
    const members = (await readMembers(redis.url, scope, "g")).sort();
    assert.ok(members.length > 0);
    await converged(redis.url, [...nodes, late!], scope, "g", members);
    await late!.shutdown();
  });

  it("makes a visible join resolve only when every live node shows it", async () => {
    const scope = freshScope();
    const [c] = await startNodes(redis.url, 1, "vis");
    const all = [...nodes, c!];
    await a.groups(scope).createGroup("g");
    for (const n of all) await n.groups(scope).getMembers("g"); // every node holds a replica
    for (let i = 0; i < 20; i++) {
      await a.groups(scope).joinGroup("g", recorder(a, scope, `v${i}`).ref, { visible: "cluster" });
      for (const n of all) {
        const seen = await view(n, scope, "g");
        assert.ok(
          seen !== "missing" && seen.includes(`v${i}`),
          `${n.nodeId} shows v${i} when the join resolves`,
        );
      }
    }
    await c!.shutdown();
  });

  it("rejects a visible join naming a silent holder, keeping the membership", async () => {
    const scope = freshScope();
    const [silent] = await startNodes(redis.url, 1, "silent");
    const [joiner] = await startNodes(redis.url, 1, "joiner", { joinVisibilityTimeoutMs: 300 });
    await a.groups(scope).createGroup("g");
    await silent!.groups(scope).getMembers("g");
    await joiner!.groups(scope).getMembers("g");
    crash(clusterBackendOf(silent!)!); // still a holder until reaped, but never answers
    const error = await joiner!
      .groups(scope)
      .joinGroup("g", recorder(joiner!, scope, "j").ref, { visible: "cluster" })
      .then(
        () => assert.fail("the visible join resolved though a holder was silent"),
        (e: unknown) => e,
      );
    assert.ok(error instanceof JoinNotVisibleError, String(error));
    assert.deepEqual(error.missingNodes, ["silent-0"]);
    await converged(redis.url, [a, b, joiner!], scope, "g", ["j"]);
    // Once the silent node is reaped it no longer holds a visible join up.
    await converged(redis.url, [a, b, joiner!], scope, "g", ["j"]);
    await eventually(
      "the silent node to be reaped",
      () => !clusterBackendOf(a)!.liveness.liveNodes.has("silent-0"),
      5_000,
    );
    await joiner!.groups(scope).joinGroup("g", recorder(joiner!, scope, "k").ref, { visible: "cluster" });
    await silent!.shutdown();
    await joiner!.shutdown();
  });

  it("re-asserts every live membership and re-creates the groups after a Redis restart without persistence", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("kept", { labels: { v: "1" } });
    await a.groups(scope).createGroup("empty");
    const ra = recorder(a, scope, "ra");
    const rb = recorder(b, scope, "rb");
    await a.groups(scope).joinGroup("kept", ra.ref);
    await b.groups(scope).joinGroup("kept", rb.ref, { topics: ["x.*"] });
    await converged(redis.url, nodes, scope, "kept", ["ra", "rb"]);
    const incarnations = nodes.map((n) => inspect(clusterBackendOf(n)!).incarnations);
    await redis.restart();
    await converged(redis.url, nodes, scope, "kept", ["ra", "rb"], 20_000);
    await converged(redis.url, nodes, scope, "empty", [], 20_000);
    assert.deepEqual(await readGroups(redis.url, scope), ["empty", "kept"]);
    assert.deepEqual((await b.groups(scope).getGroup("kept")).labels, { v: "1" });
    for (const [i, n] of nodes.entries()) {
      assert.ok(inspect(clusterBackendOf(n)!).incarnations > incarnations[i]!, `${n.nodeId} re-registered`);
    }
    await eventually(
      "topics to be kept across the restart",
      () => {
        void a.groups(scope).publishToGroup("kept", "x", { topic: "x.y" });
        return rb.received.length > 0;
      },
      5_000,
    );
    assert.ok(!a.isStopped && !b.isStopped, "nobody was evicted by the restart");
  });
});
