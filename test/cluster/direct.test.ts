/**
 * Sends and asks between nodes, where only the way over Redis can fail: a message or an
 * answer that cannot travel (not JSON, over maxPayloadBytes) is refused with a typed
 * error — before anyone got it, for an askGroup or a dispatch — a send to a node that
 * is not in the cluster ends with ActorNotFoundError at a heartbeat, and an ask still
 * waiting when its node shuts down ends with SystemStoppedError.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ActorNotFoundError,
  type ActorSystem,
  AskFailedError,
  InvalidArgumentError,
  PayloadTooLargeError,
  SystemStoppedError,
} from "../../src/index.js";
import { freshScope, recorder } from "../support/helpers.js";
import { settle, startNodes } from "../support/redis-cluster.js";
import { RedisServer, redisSkipReason } from "../support/redis-server.js";

const skip = redisSkipReason();
const MAX_PAYLOAD_BYTES = 2_000;

describe("sends and asks between nodes", { skip }, () => {
  let redis: RedisServer;
  let nodes: ActorSystem[];
  let a: ActorSystem;
  let b: ActorSystem;
  before(async () => {
    redis = await RedisServer.start();
    nodes = await startNodes(redis.url, 2, "direct", { maxPayloadBytes: MAX_PAYLOAD_BYTES });
    [a, b] = nodes as [ActorSystem, ActorSystem];
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.shutdown()));
    await redis.stop();
  });

  it("refuses a message that cannot travel, and an answer that cannot is an AskFailedError", async () => {
    const scope = freshScope();
    b.spawn({ id: "odd", ...scope }, (m: string) => (m === "fn" ? () => 1 : "x".repeat(MAX_PAYLOAD_BYTES)));
    const odd = a.actorAt(scope, "odd", b.nodeId);
    await assert.rejects(odd.send({ n: 1n }), InvalidArgumentError);
    await assert.rejects(odd.ask("y".repeat(MAX_PAYLOAD_BYTES)), (error: unknown) => {
      assert.ok(error instanceof PayloadTooLargeError);
      assert.match(error.message, /a message for actor 'odd'/);
      return true;
    });
    await assert.rejects(odd.ask("fn"), (error: unknown) => {
      assert.ok(error instanceof AskFailedError);
      assert.match(error.remoteMessage, /its reply could not be sent/);
      return true;
    });
    await assert.rejects(odd.ask("big"), /its reply could not be sent.*over the limit/);
  });

  it("refuses an askGroup or dispatch whose message cannot travel before any member gets it", async () => {
    const scope = freshScope();
    await a.groups(scope).createGroup("g");
    const here = recorder(a, scope, "here");
    const there = recorder(b, scope, "there");
    await a.groups(scope).joinGroup("g", here.ref);
    await b.groups(scope).joinGroup("g", there.ref);
    await settle(nodes);
    const big = "z".repeat(MAX_PAYLOAD_BYTES);
    await assert.rejects(a.groups(scope).askGroup("g", big), PayloadTooLargeError);
    await assert.rejects(a.groups(scope).dispatch("g", { n: 2n }), InvalidArgumentError);
    await settle(nodes);
    assert.deepEqual(here.received, [], "the local member got nothing");
    assert.deepEqual(there.received, []);
  });

  it("ends a send to a node that is not in the cluster with ActorNotFoundError", async () => {
    const nowhere = a.actorAt(freshScope(), "someone", "no-such-node");
    await assert.rejects(nowhere.send("hello?"), (error: unknown) => {
      assert.ok(error instanceof ActorNotFoundError);
      assert.match(error.message, /no-such-node.*not alive/);
      return true;
    });
  });

  it("ends an ask still waiting when its node shuts down with SystemStoppedError", async () => {
    const scope = freshScope();
    b.spawn({ id: "mute", ...scope }, () => new Promise(() => undefined));
    const extra = (await startNodes(redis.url, 1, "leaving"))[0]!;
    const pending = extra.actorAt(scope, "mute", b.nodeId).ask("hello?", { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await extra.shutdown();
    await assert.rejects(pending, SystemStoppedError);
    assert.throws(() => extra.actorAt(scope, "mute", b.nodeId), SystemStoppedError);
  });
});
