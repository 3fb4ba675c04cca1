/**
 * Deployments sharing one Redis, and the identity of a node: every key and channel
 * carries the deployment's prefix and every channel its database number, so two
 * deployments with different prefixes on one Redis, or with the same prefix on two
 * databases, share nothing; a node started without an id gets a unique one; a second
 * live process with the id of a running node is refused; and nodes that shut down
 * cleanly leave nothing behind but the groups they created.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ActorSystem, ActorSystem as System } from "../../src/index.js";
import { eventually, freshScope, recorder } from "../support/helpers.js";
import { startNodes } from "../support/redis-cluster.js";
import { RedisServer, redisSkipReason } from "../support/redis-server.js";
import { withRedis } from "../support/redis-state.js";
import { FAST } from "../support/timings.js";

const skip = redisSkipReason();

describe("deployments on one Redis", { skip }, () => {
  let redis: RedisServer;
  const started: ActorSystem[] = [];
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await Promise.all(started.map((n) => n.shutdown()));
    await redis.stop();
  });

  async function deployment(url: string, prefix: string, count: number): Promise<ActorSystem[]> {
    const nodes = await startNodes(url, count, `${prefix}-n`, { prefix });
    started.push(...nodes);
    return nodes;
  }

  // Two deployments that use the same scope and group; a publish in one must not reach the other.
  async function assertSeparate(one: ActorSystem[], other: ActorSystem[]): Promise<void> {
    const scope = freshScope();
    const [a1, a2] = one as [ActorSystem, ActorSystem];
    const [b1] = other as [ActorSystem];
    await a1.groups(scope).createGroup("g");
    await b1.groups(scope).createGroup("g"); // the same name is free in the other deployment
    const mine = recorder(a2, scope, "mine");
    const theirs = recorder(b1, scope, "theirs");
    await a2.groups(scope).joinGroup("g", mine.ref);
    await b1.groups(scope).joinGroup("g", theirs.ref);
    assert.deepEqual(await a1.groups(scope).getMembers("g"), ["mine"]);
    assert.deepEqual(await b1.groups(scope).getMembers("g"), ["theirs"]);
    const result = await a1.groups(scope).publishToGroup("g", "from-one");
    assert.deepEqual([...result.recipients], ["mine"]);
    await b1.groups(scope).publishToGroup("g", "from-other");
    await eventually(
      "each member to get its own deployment's message",
      () => {
        return mine.received.includes("from-one") && theirs.received.includes("from-other");
      },
      5_000,
    );
    // A last message on each side, after the others: had anything crossed, it would be here by now.
    await a1.groups(scope).publishToGroup("g", "last-one");
    await b1.groups(scope).publishToGroup("g", "last-other");
    await eventually(
      "the last messages",
      () => mine.received.includes("last-one") && theirs.received.includes("last-other"),
      5_000,
    );
    assert.deepEqual(mine.received, ["from-one", "last-one"]);
    assert.deepEqual(theirs.received, ["from-other", "last-other"]);
  }

  it("with different prefixes share no key, no channel, no member and no message", async () => {
    const one = await deployment(redis.url, "alpha", 2);
    const other = await deployment(redis.url, "beta", 1);
    await assertSeparate(one, other);
    const keys = await withRedis(redis.url, (admin) => admin.keys("*"));
    const foreign = keys.filter((k) => !k.startsWith("alpha:") && !k.startsWith("beta:"));
    assert.deepEqual(foreign, [], "every key carries its deployment's prefix");
    const channels = await withRedis(
      redis.url,
      async (admin) => (await admin.pubsub("CHANNELS", "*")) as string[],
    );
    assert.ok(channels.length > 0);
    for (const channel of channels) assert.match(channel, /^(alpha|beta):0:/, channel);
  });

  it("with the same prefix on two databases share nothing either: channels name the database", async () => {
    const one = await deployment(`${redis.url}/1`, "same", 2);
    const other = await deployment(`${redis.url}/2`, "same", 1);
    await assertSeparate(one, other);
  });
});

describe("node identity", { skip }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis.stop();
  });

  it("gives a node started without an id a unique one that names it everywhere", async () => {
    const nodes = await Promise.all(
      [0, 1, 2].map(() => System.start({ cluster: { redis: redis.url, ...FAST } })),
    );
    try {
      const ids = nodes.map((n) => n.nodeId);
      assert.equal(new Set(ids).size, 3, `ids ${ids}`);
      for (const id of ids) assert.match(id, /^[A-Za-z0-9\-_.:]{1,128}$/);
      const scope = freshScope();
      await nodes[0]!.groups(scope).createGroup("g");
      for (const node of nodes)
        await node.groups(scope).joinGroup("g", recorder(node, scope, `a-${node.nodeId}`).ref);
      // Views follow Redis asynchronously: wait until the publisher's shows every member.
      await eventually(
        "the first node to see every member",
        async () => {
          return (await nodes[0]!.groups(scope).getMembers("g")).length === 3;
        },
        5_000,
      );
      const result = await nodes[0]!.groups(scope).publishToGroup("g", "hi");
      assert.deepEqual(Object.keys(result.perNode).sort(), [...ids].sort());
    } finally {
      await Promise.all(nodes.map((n) => n.shutdown()));
    }
  });

  it("refuses a second node with the id of a live one, which keeps working", async () => {
    const [first] = await startNodes(redis.url, 1, "taken");
    try {
      const scope = freshScope();
      await first!.groups(scope).createGroup("g");
      const a = recorder(first!, scope, "a");
      await first!.groups(scope).joinGroup("g", a.ref);
      await assert.rejects(
        System.start({ nodeId: first!.nodeId, cluster: { redis: redis.url, ...FAST } }),
        (error: unknown) =>
          error instanceof Error &&
          (error as { code?: string }).code === "NODE_ID_IN_USE" &&
          error.message.includes(first!.nodeId),
      );
      assert.equal(first!.status, "ready");
      assert.deepEqual(await first!.groups(scope).getMembers("g"), ["a"]);
      await first!.groups(scope).publishToGroup("g", "still");
      await eventually("the live node's member to get a message", () => a.received.includes("still"), 5_000);
    } finally {
      await first!.shutdown();
    }
  });
});

describe("nodes that shut down cleanly", { skip }, () => {
  it("leave only the groups they created (and their scope's sequence) in Redis", async () => {
    const redis = await RedisServer.start();
    try {
      const nodes = await startNodes(redis.url, 3, "clean");
      const kept = freshScope();
      const emptied = freshScope();
      await nodes[0]!.groups(kept).createGroup("stays");
      await nodes[1]!.groups(emptied).createGroup("goes");
      for (const node of nodes) {
        for (const scope of [kept, emptied]) {
          const group = scope === kept ? "stays" : "goes";
          await node.groups(scope).joinGroup(group, recorder(node, scope, `m-${node.nodeId}`).ref);
        }
      }
      await nodes[2]!.groups(emptied).deleteGroup("goes");
      await Promise.all(nodes.map((n) => n.shutdown()));
      const keys = (await withRedis(redis.url, (admin) => admin.keys("*"))).sort();
      const base = `chorus:{${kept.tenantId}/${kept.namespace}}`;
      assert.deepEqual(keys, [`${base}:groups`, `${base}:meta`]);
    } finally {
      await redis.stop();
    }
  });
});
