/**
 * Faults that cut a node's writes short, each forced by the test: Redis forgetting its
 * scripts (SCRIPT FLUSH) between a join and the leave that follows it, the command
 * connection killed during a stream of numbered publishes, every subscriber killed
 * during one, and a Redis restart with an append-only file during joins and leaves.
 * Afterwards no write has been overtaken by an older one (no member its owner left, no
 * member lost), and every member got each publisher's messages once, in order —
 * some may be missing (delivery is at most once), none twice, none out of order.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ActorSystem, Scope } from "../../src/index.js";
import { eventually, freshScope, recorder } from "../support/helpers.js";
import { startNodes } from "../support/redis-cluster.js";
import { RedisServer, redisSkipReason } from "../support/redis-server.js";
import { readMembers, withRedis } from "../support/redis-state.js";

const skip = redisSkipReason();

/** The numbers a member received, checked: strictly increasing (none twice, none out of order). */
function assertInOrder(received: readonly unknown[], who: string): number[] {
  const numbers = received.map((m) => (m as { n: number }).n);
  for (let i = 1; i < numbers.length; i++) {
    assert.ok(numbers[i]! > numbers[i - 1]!, `${who} got ${numbers[i]} after ${numbers[i - 1]} (at ${i})`);
  }
  return numbers;
}

/** How often Redis has run each command, from INFO commandstats. */
async function commandCalls(url: string): Promise<Record<string, number>> {
  const info = await withRedis(url, (admin) => admin.info("commandstats"));
  const calls: Record<string, number> = {};
  for (const [, name, count] of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm))
    calls[name!] = Number(count);
  return calls;
}

/** Kills the connections Redis lists for `filter` (CLIENT KILL … SKIPME yes), `times` times, a turn apart. */
async function killRepeatedly(url: string, filter: string[], times: number, gapMs: number): Promise<number> {
  return withRedis(url, async (admin) => {
    let killed = 0;
    for (let i = 0; i < times; i++) {
      killed += Number(await admin.call("CLIENT", "KILL", ...filter, "SKIPME", "yes"));
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    return killed;
  });
}

describe("writes cut short", { skip }, () => {
  let redis: RedisServer;
  let nodes: ActorSystem[];
  let a: ActorSystem;
  let b: ActorSystem;
  before(async () => {
    redis = await RedisServer.start();
    nodes = await startNodes(redis.url, 2, "cf");
    [a, b] = nodes as [ActorSystem, ActorSystem];
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.shutdown()));
    await redis.stop();
  });

  async function groupOn(scope: Scope, name: string): Promise<void> {
    await a.groups(scope).createGroup(name);
    await eventually(
      `b to see ${name}`,
      async () => (await b.groups(scope).listGroups()).groups.length > 0,
      5_000,
    );
  }

  it("never lets a join overtake the leave after it when Redis forgets its scripts", async () => {
    const scope = freshScope();
    await groupOn(scope, "g");
    const x = recorder(a, scope, "x");
    const y = recorder(b, scope, "y");
    const before = await commandCalls(redis.url);
    for (let round = 0; round < 30; round++) {
      await withRedis(redis.url, (admin) => admin.script("FLUSH"));
      // The join and the leave go out back to back, and the other node writes meanwhile:
      // its write loads the script again between them, if anything does.
      const joined = a.groups(scope).joinGroup("g", x.ref);
      const left = a.groups(scope).leaveGroup("g", x.ref);
      const other = b.groups(scope).joinGroup("g", y.ref);
      await Promise.all([joined, left, other]);
      await b.groups(scope).leaveGroup("g", y.ref);
      assert.deepEqual(await readMembers(redis.url, scope, "g"), [], `round ${round}: Redis kept a member`);
    }
    for (const node of nodes) {
      await eventually(
        "every view to be empty",
        async () => (await node.groups(scope).getMembers("g")).length === 0,
        5_000,
      );
    }
    // What makes the order safe: a write Redis refused for want of its script is never sent
    // again after newer ones (as an EVAL of the script's text would be); the node reloads its
    // scripts and re-asserts its slice, which covers the refused write, before it sends more.
    const after = await commandCalls(redis.url);
    assert.ok(
      (after["script|load"] ?? 0) > (before["script|load"] ?? 0),
      "no script was reloaded: the flushes did not bite",
    );
    assert.equal(after.eval ?? 0, before.eval ?? 0, "a script's text was sent after NOSCRIPT");
  });

  it("keeps each publisher's order, delivering nothing twice, while its command connection is killed", async () => {
    const scope = freshScope();
    await groupOn(scope, "g");
    const member = recorder(b, scope, "m");
    await b.groups(scope).joinGroup("g", member.ref);
    await eventually(
      "a to see the member",
      async () => (await a.groups(scope).getMembers("g")).length === 1,
      5_000,
    );
    let n = 0;
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        // A burst per turn, not awaited one by one: they leave as batches, as a busy publisher's do.
        const burst: Promise<unknown>[] = [];
        for (let i = 0; i < 50; i++)
          burst.push(
            a
              .groups(scope)
              .publishToGroup("g", { n: n++ })
              .catch(() => null),
          );
        await Promise.all(burst);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const killed = await killRepeatedly(redis.url, ["TYPE", "normal"], 10, 30);
    streaming = false;
    await stream;
    const last = n;
    await a.groups(scope).publishToGroup("g", { n: last });
    await eventually(
      "the last message to arrive",
      () => member.received.some((m) => (m as { n: number }).n === last),
      5_000,
    );
    const got = assertInOrder(member.received, "the member");
    assert.ok(killed >= 10, `only ${killed} connections were killed`);
    assert.ok(got.length > 0 && got.length <= last + 1);
  });

  it("keeps order and delivers nothing twice while every subscriber is killed", async () => {
    const scope = freshScope();
    await groupOn(scope, "g");
    const member = recorder(b, scope, "m");
    await b.groups(scope).joinGroup("g", member.ref);
    await eventually(
      "a to see the member",
      async () => (await a.groups(scope).getMembers("g")).length === 1,
      5_000,
    );
    let n = 0;
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const burst: Promise<unknown>[] = [];
        for (let i = 0; i < 50; i++) burst.push(a.groups(scope).publishToGroup("g", { n: n++ }));
        await Promise.all(burst);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await killRepeatedly(redis.url, ["TYPE", "pubsub"], 5, 40);
    streaming = false;
    await stream;
    // Once the member's node has subscribed again, messages reach it: the last one must.
    await eventually("b to be ready again", () => b.status === "ready", 5_000);
    const last = n;
    await eventually(
      "a message after the kills to arrive",
      async () => {
        await a.groups(scope).publishToGroup("g", { n: n++ });
        return member.received.some((m) => (m as { n: number }).n >= last);
      },
      5_000,
    );
    assertInOrder(member.received, "the member");
  });
});

describe("a Redis restart with an append-only file during joins and leaves", { skip }, () => {
  it("leaves exactly the members their owners hold", async () => {
    const redis = await RedisServer.start({ appendOnly: true });
    const nodes = await startNodes(redis.url, 2, "aof");
    try {
      const [a, b] = nodes as [ActorSystem, ActorSystem];
      const scope = freshScope();
      await a.groups(scope).createGroup("g");
      await eventually(
        "b to see g",
        async () => (await b.groups(scope).listGroups()).groups.length === 1,
        5_000,
      );
      const actors = [0, 1, 2, 3, 4, 5].map((i) => recorder(i % 2 === 0 ? a : b, scope, `r${i}`));
      const node = (i: number) => (i % 2 === 0 ? a : b);
      for (let round = 0; round < 4; round++) {
        // Joins and leaves in flight when Redis goes away; whatever each call met, its node knows.
        const calls = actors.flatMap((r, i) => [
          node(i)
            .groups(scope)
            .joinGroup("g", r.ref)
            .catch(() => undefined),
          node(i)
            .groups(scope)
            .leaveGroup("g", r.ref)
            .catch(() => undefined),
          node(i)
            .groups(scope)
            .joinGroup("g", r.ref)
            .catch(() => undefined),
        ]);
        await redis.restart();
        await Promise.all(calls);
        // Each node's own view is what its actors hold; Redis and the other node must come to it.
        const held = [
          ...(await a.groups(scope).getLocalMembers("g")),
          ...(await b.groups(scope).getLocalMembers("g")),
        ].sort();
        await eventually(
          `round ${round}: Redis and both views to equal what the nodes hold`,
          async () => {
            const inRedis = await readMembers(redis.url, scope, "g").catch(() => ["unreadable"]);
            const views = await Promise.all(
              nodes.map(async (n) => (await n.groups(scope).getMembers("g")).sort()),
            );
            return [inRedis, ...views].every((v) => v.join() === held.join());
          },
          15_000,
        );
        for (const [i, r] of actors.entries()) {
          if (held.includes(r.ref.id)) await node(i).groups(scope).leaveGroup("g", r.ref);
        }
      }
    } finally {
      await Promise.all(nodes.map((n) => n.shutdown()));
      await redis.stop();
    }
  });
});
