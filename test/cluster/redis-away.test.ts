/**
 * While Redis is away (the server killed, then started again on the same port): every
 * call that needs Redis settles within `commandTimeoutMs` with BackendUnavailableError
 * carrying the connection's error as its cause, or at once when its signal aborts; a
 * join or leave that rejected is undone on its node; messages for other nodes wait up
 * to `maxOfflineBytes` and past that a publish is refused before anyone gets it; the
 * node's status says `degraded`, and `ready` again only once it is subscribed again —
 * after which the waiting messages arrive, in order (held until the receiving node has
 * subscribed again: delivery is at most once).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { holdReopen } from "../../src/cluster/redis/test-seams.js";
import { type ActorSystem, BackendUnavailableError, type NodeStatus } from "../../src/index.js";
import { clusterBackendOf } from "../../src/system.js";
import { eventually, freshScope, recorder } from "../support/helpers.js";
import { startNodes } from "../support/redis-cluster.js";
import { RedisServer, redisSkipReason } from "../support/redis-server.js";

const skip = redisSkipReason();
const COMMAND_TIMEOUT_MS = 400;
const MAX_OFFLINE_BYTES = 4_000;

describe("while Redis is away", { skip }, () => {
  let redis: RedisServer;
  let nodes: ActorSystem[];
  let a: ActorSystem;
  let b: ActorSystem;
  before(async () => {
    redis = await RedisServer.start();
    nodes = await startNodes(redis.url, 2, "away", {
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      maxOfflineBytes: MAX_OFFLINE_BYTES,
    });
    [a, b] = nodes as [ActorSystem, ActorSystem];
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.shutdown()));
    await redis.stop();
  });

  it("bounds every call, undoes refused joins, holds messages up to the bound, and says when it works again", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("g");
    const there = recorder(b, scope, "there");
    await b.groups(scope).joinGroup("g", there.ref);
    await eventually(
      "a to see b's member",
      async () => (await a.groups(scope).getMembers("g")).length === 1,
      5_000,
    );
    const here = recorder(a, scope, "here");
    const changes: NodeStatus[] = [];
    const watching = new AbortController();
    const watched = (async () => {
      for await (const change of a.statusChanges({ signal: watching.signal })) changes.push(change.status);
    })();

    await redis.kill();
    await eventually("a to say it is degraded", () => a.status === "degraded", 5_000);

    // A join cannot be written: it is refused in time, with why, and undone here.
    const refused = await a
      .groups(scope)
      .joinGroup("g", here.ref)
      .then(
        () => null,
        (error: unknown) => error,
      );
    assert.ok(refused instanceof BackendUnavailableError, String(refused));
    assert.match(String((refused.cause as Error | undefined)?.message), /ECONNREFUSED|closed|connect/i);
    assert.deepEqual(await a.groups(scope).getLocalMembers("g"), [], "the refused join was undone");
    // A group this node has not heard of cannot be looked for: refused in time too.
    await assert.rejects(a.groups(scope).getGroup("unheard-of"), BackendUnavailableError);
    // A signal ends the wait at once, with its reason.
    const stop = new AbortController();
    const aborted = a.groups(scope).createGroup("h", { signal: stop.signal });
    stop.abort(new Error("changed my mind"));
    await assert.rejects(aborted, /changed my mind/);

    // Messages wait for Redis up to the bound; past it a publish is refused before delivery.
    const local = recorder(a, scope, "local");
    const accepted: number[] = [];
    let refusedPublish: unknown = null;
    for (let n = 0; n < 100 && refusedPublish === null; n++) {
      const result = await a
        .groups(scope)
        .publishToGroup("g", { n, pad: "x".repeat(200) })
        .then(
          () => true,
          (error: unknown) => {
            refusedPublish = error;
            return false;
          },
        );
      if (result) accepted.push(n);
    }
    assert.ok(
      refusedPublish instanceof BackendUnavailableError,
      `no publish was refused: ${accepted.length}`,
    );
    assert.match(refusedPublish.message, /maxOfflineBytes/);
    assert.ok(accepted.length > 0 && accepted.length < 100);
    assert.deepEqual(local.received, [], "an actor that never joined got nothing");

    // Delivery is at most once: what a leaves before b has subscribed again is lost. So
    // a holds its messages until b is back, to show that all of them wait and then leave.
    const release = holdReopen(clusterBackendOf(a)!);
    await redis.relaunch();
    await eventually("b to be ready again", () => b.status === "ready", 15_000);
    assert.equal(a.status, "degraded", "a's link is held closed");
    release();
    await eventually("a to be ready again", () => a.status === "ready", 15_000);
    // What waited reaches the member on the other node, in order.
    await eventually("the held messages to arrive", () => there.received.length === accepted.length, 10_000);
    assert.deepEqual(
      there.received.map((m) => (m as { n: number }).n),
      accepted,
    );
    watching.abort();
    await watched;
    assert.deepEqual(changes.slice(0, 1), ["degraded"]);
    assert.equal(changes.at(-1), "ready");
    // And it works as before: a join now lands everywhere.
    await a.groups(scope).joinGroup("g", here.ref);
    await eventually(
      "b to see the join",
      async () => (await b.groups(scope).getMembers("g")).includes("here"),
      5_000,
    );
  });
});
