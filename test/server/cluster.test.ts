/**
 * Two servers over one Redis, as two nodes of a cluster: a WebSocket member on one
 * receives what is published on the other, over REST and over WebSocket, and a group
 * created on one is served by the other.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type RunningServer, serve } from "../../src/server/serve.js";
import { eventually, freshScope } from "../support/helpers.js";
import { RedisServer, redisSkipReason } from "../support/redis-server.js";
import { api, member, scopePath } from "../support/server-client.js";

const skip = redisSkipReason();

describe("two servers over Redis", { skip }, () => {
  let redis: RedisServer;
  let one: RunningServer;
  let two: RunningServer;
  before(async () => {
    redis = await RedisServer.start();
    one = await serve({ port: 0, nodeId: "s1", redis: redis.url, logLevel: "silent" });
    two = await serve({ port: 0, nodeId: "s2", redis: redis.url, logLevel: "silent" });
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await redis?.stop();
  });

  it("deliver to a member on one what is published on the other", async () => {
    const path = scopePath(freshScope("srv").tenantId);
    assert.equal((await api(one.url, "POST", `${path}/groups`, { body: { name: "g" } })).status, 201);
    const here = await member(two.url, path, { actorId: "here" });
    assert.equal((await here.request({ type: "join", group: "g" })).type, "ack");
    const there = await member(one.url, path, { actorId: "there" });
    assert.equal((await there.request({ type: "join", group: "g" })).type, "ack");
    await eventually("s1 to see both members", async () => {
      return (await api(one.url, "GET", `${path}/groups/g/members`)).body.members.length === 2;
    });
    const sent = await api(one.url, "POST", `${path}/groups/g/publish`, { body: { payload: "over rest" } });
    assert.deepEqual(sent.body.perNode, { s1: 1, s2: 1 });
    const got = await here.next("the member on s2 to get the REST publish", (f) => f.payload === "over rest");
    assert.deepEqual([got.from, got.seq], ["rest@s1", 1]);
    await there.request({ type: "publish", group: "g", payload: "over ws" });
    const fromWs = await here.next(
      "the member on s2 to get the WebSocket publish",
      (f) => f.payload === "over ws",
    );
    assert.deepEqual([fromWs.from, fromWs.seq], ["there@s1", 1]);
    await here.close();
    await there.close();
    await eventually("both members to be gone everywhere", async () => {
      const a = await api(one.url, "GET", `${path}/groups/g/members`);
      const b = await api(two.url, "GET", `${path}/groups/g/members`);
      return a.body.members.length === 0 && b.body.members.length === 0;
    });
  });
});
