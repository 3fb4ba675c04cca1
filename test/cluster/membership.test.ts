/**
 * Three ActorSystems in this process over a real redis-server: one membership view,
 * publishing across nodes with one wire message per node, per-publisher FIFO, no
 * duplicates, deletion and actor stop seen everywhere, shutdown removing a node's rows.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { inspect } from "../../src/cluster/redis/test-seams.js";
import { ActorSystem, BackendUnavailableError, PayloadTooLargeError } from "../../src/index.js";
import { clusterBackendOf } from "../../src/system.js";
import { converged } from "../support/cluster-views.js";
import { eventually, freshScope, recorder } from "../support/helpers.js";
import { settle, startNodes } from "../support/redis-cluster.js";
import { freePort, RedisServer, redisSkipReason } from "../support/redis-server.js";
import { readMembers } from "../support/redis-state.js";

const skip = redisSkipReason();

describe("three nodes over Redis", { skip }, () => {
  let redis: RedisServer;
  let nodes: ActorSystem[];
  let a: ActorSystem;
  let b: ActorSystem;
  let c: ActorSystem;
  before(async () => {
    redis = await RedisServer.start();
    nodes = await startNodes(redis.url, 3, "m");
    [a, b, c] = nodes as [ActorSystem, ActorSystem, ActorSystem];
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.shutdown()));
    await redis.stop();
  });

  it("lists the live nodes on every node", async () => {
    const ids = nodes.map((n) => n.nodeId).sort();
    for (const node of nodes) {
      await eventually(
        `${node.nodeId} to list every node`,
        () => node.liveNodes.join() === ids.join(),
        5_000,
      );
    }
    assert.deepEqual(new ActorSystem({ nodeId: "alone" }).liveNodes, ["alone"]);
  });

  it("shows every membership on every node and in Redis; local members only where hosted", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("chat");
    await a.groups(scope).joinGroup("chat", recorder(a, scope, "wa").ref);
    await b.groups(scope).joinGroup("chat", recorder(b, scope, "wb").ref);
    await converged(redis.url, nodes, scope, "chat", ["wa", "wb"]);
    assert.deepEqual(await c.groups(scope).getLocalMembers("chat"), []);
    assert.deepEqual(await b.groups(scope).getLocalMembers("chat"), ["wb"]);
    assert.equal((await c.groups(scope).getGroup("chat")).memberCount, 2);
  });

  it("a group created on one node can be used on another at once, without waiting for its event", async () => {
    const scope = freshScope();
    await Promise.all(nodes.map((n) => n.groups(scope).listGroups())); // every replica open
    const rb = recorder(b, scope, "rb");
    // Each call on b comes right after a's create resolved: b's replica has often not
    // applied the create's event yet, and catches up with Redis instead of refusing.
    for (let i = 0; i < 30; i++) {
      await a.groups(scope).createGroup(`fresh-${i}`);
      await b.groups(scope).joinGroup(`fresh-${i}`, rb.ref);
      await a.groups(scope).createGroup(`other-${i}`);
      assert.equal((await c.groups(scope).getGroup(`other-${i}`)).name, `other-${i}`);
      await a.groups(scope).createGroup(`third-${i}`);
      assert.equal((await c.groups(scope).publishToGroup(`third-${i}`, "hi")).remoteCount, 0);
    }
    await assert.rejects(b.groups(scope).joinGroup("never-created", rb.ref), { code: "GROUP_NOT_FOUND" });
  });

  it("delivers a publish to members on every node, one wire message per node, and counts per node", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("news");
    const ra = recorder(a, scope, "ra");
    const rb = [recorder(b, scope, "rb1"), recorder(b, scope, "rb2"), recorder(b, scope, "rb3")];
    const rc = recorder(c, scope, "rc");
    await a.groups(scope).joinGroup("news", ra.ref);
    for (const r of rb) await b.groups(scope).joinGroup("news", r.ref);
    await c.groups(scope).joinGroup("news", rc.ref);
    await settle(nodes);
    const before = nodes.map((n) => inspect(clusterBackendOf(n)!).receivedWireMessages);
    const result = await a.groups(scope).publishToGroup("news", { hello: "world" });
    assert.equal(result.localCount, 1);
    assert.equal(result.remoteCount, 4);
    assert.deepEqual({ ...result.perNode }, { "m-0": 1, "m-1": 3, "m-2": 1 });
    await eventually(
      "every member to get the message",
      () => [ra, ...rb, rc].every((r) => r.received.length === 1),
      5_000,
    );
    for (const r of [ra, ...rb, rc]) assert.deepEqual(r.received, [{ hello: "world" }]);
    const after = nodes.map((n) => inspect(clusterBackendOf(n)!).receivedWireMessages);
    assert.deepEqual(
      after.map((n, i) => n - before[i]!),
      [0, 1, 1],
      "b (three members) and c got one wire message each; a delivered its own locally",
    );
  });

  it("keeps each publisher's order across nodes and delivers nothing twice", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("seq");
    const rb = recorder<number>(b, scope, "rb");
    const rc = recorder<number>(c, scope, "rc");
    await b.groups(scope).joinGroup("seq", rb.ref);
    await b.groups(scope).joinGroup("seq", rb.ref); // joined twice: still one delivery each
    await c.groups(scope).joinGroup("seq", rc.ref);
    const count = 2_000;
    const sends = [];
    for (let i = 0; i < count; i++) sends.push(a.groups(scope).publishToGroup("seq", i));
    for (let i = 0; i < 10; i++) await a.groups(scope).publishToGroup("seq", count + i);
    await Promise.all(sends);
    await eventually(
      "all messages to arrive",
      () => rb.received.length >= count + 10 && rc.received.length >= count + 10,
      5_000,
    );
    const expected = Array.from({ length: count + 10 }, (_, i) => i);
    assert.deepEqual(rb.received, expected);
    assert.deepEqual(rc.received, expected);
  });

  it("applies topics and exclude where the members are", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("t");
    const orders = recorder(b, scope, "orders");
    const all = recorder(b, scope, "all");
    const quiet = recorder(c, scope, "quiet");
    await b.groups(scope).joinGroup("t", orders.ref, { topics: ["orders.*"] });
    await b.groups(scope).joinGroup("t", all.ref);
    await c.groups(scope).joinGroup("t", quiet.ref);
    await settle(nodes);
    await a.groups(scope).publishToGroup("t", 1, { topic: "orders.created", exclude: "quiet" });
    await a.groups(scope).publishToGroup("t", 2, { topic: "users.created" });
    await eventually("deliveries", () => all.received.length === 2 && quiet.received.length === 1, 5_000);
    assert.deepEqual(orders.received, [1]);
    assert.deepEqual(quiet.received, [2]);
  });

  it("refuses a payload over maxPayloadBytes or not JSON, delivering nothing", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("big");
    const local = recorder(a, scope, "local");
    await a.groups(scope).joinGroup("big", local.ref);
    await assert.rejects(
      a.groups(scope).publishToGroup("big", "x".repeat(1024 * 1024 + 1)),
      PayloadTooLargeError,
    );
    await assert.rejects(a.groups(scope).publishToGroup("big", 10n), { code: "INVALID_ARGUMENT" });
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    await assert.rejects(a.groups(scope).publishToGroup("big", cycle), { code: "INVALID_ARGUMENT" });
    await a.groups(scope).publishToGroup("big", "ok");
    await eventually("the good message", () => local.received.length === 1, 5_000);
    assert.deepEqual(local.received, ["ok"]);
  });

  it("gives remote members the message as JSON carries it, local members the object itself", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("json");
    const here = recorder<Record<string, unknown>>(a, scope, "here");
    const there = recorder<Record<string, unknown>>(b, scope, "there");
    await a.groups(scope).joinGroup("json", here.ref);
    await b.groups(scope).joinGroup("json", there.ref);
    await settle(nodes);
    const when = new Date(0);
    const sent = { when, tags: new Map([["k", 1]]), n: 1 };
    await a.groups(scope).publishToGroup("json", sent);
    await eventually("the remote delivery", () => there.received.length === 1, 5_000);
    assert.equal(here.received[0], sent);
    assert.deepEqual(there.received[0], { when: when.toISOString(), tags: {}, n: 1 });
  });

  it("removes a group deleted on one node from every node and from Redis", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("gone");
    await b.groups(scope).joinGroup("gone", recorder(b, scope, "x").ref);
    await c.groups(scope).joinGroup("gone", recorder(c, scope, "y").ref);
    await converged(redis.url, nodes, scope, "gone", ["x", "y"]);
    await c.groups(scope).deleteGroup("gone");
    await converged(redis.url, nodes, scope, "gone", "missing");
    await b.groups(scope).createGroup("gone");
    await converged(redis.url, nodes, scope, "gone", []);
  });

  it("removes a stopped actor from every group on every node", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("g1");
    await a.groups(scope).createGroup("g2");
    const w = recorder(b, scope, "w");
    for (const g of ["g1", "g2"]) for (let i = 0; i < 3; i++) await b.groups(scope).joinGroup(g, w.ref);
    await converged(redis.url, nodes, scope, "g2", ["w"]);
    await w.ref.stop();
    await converged(redis.url, nodes, scope, "g1", []);
    await converged(redis.url, nodes, scope, "g2", []);
  });

  it("removes a node's memberships from Redis and every other node at its shutdown", async () => {
    const scope = freshScope();
    const extra = (await startNodes(redis.url, 1, "leaving"))[0]!;
    await a.groups(scope).createGroup("g");
    await extra.groups(scope).joinGroup("g", recorder(extra, scope, "e").ref);
    await a.groups(scope).joinGroup("g", recorder(a, scope, "stay").ref);
    await converged(redis.url, [...nodes, extra], scope, "g", ["e", "stay"]);
    await extra.shutdown();
    assert.deepEqual(
      await readMembers(redis.url, scope, "g"),
      ["stay"],
      "gone from Redis when shutdown resolves",
    );
    await converged(redis.url, nodes, scope, "g", ["stay"]);
  });
});

describe("ActorSystem.start with a cluster", () => {
  it("rejects with BackendUnavailableError, naming the URL without its password, when Redis is unreachable", async () => {
    const port = await freePort();
    const error = await ActorSystem.start({
      nodeId: "lonely",
      cluster: { redis: `redis://user:secret@127.0.0.1:${port}` },
    }).then(
      () => assert.fail("started without Redis"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof BackendUnavailableError, String(error));
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(error.message, /secret/);
  });

  it("refuses cluster options given to the constructor, and bad timings, with InvalidArgumentError", async () => {
    assert.throws(() => new ActorSystem({ nodeId: "n", cluster: { redis: "redis://127.0.0.1:1" } }), {
      code: "INVALID_ARGUMENT",
    });
    await assert.rejects(
      ActorSystem.start({
        nodeId: "n",
        cluster: { redis: "redis://127.0.0.1:1", heartbeatIntervalMs: 1_000, nodeTimeoutMs: 1_500 },
      }),
      { code: "INVALID_ARGUMENT" },
    );
    await assert.rejects(ActorSystem.start({ nodeId: "n", cluster: { redis: "http://x" } }), {
      code: "INVALID_ARGUMENT",
    });
  });
});
