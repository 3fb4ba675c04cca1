/**
 * The reference-model check of test/property over Redis: the same random sequences of
 * create, delete, join, leave, publish and actor stop/restart, with actors spread over
 * three nodes and groups created, deleted and published to from any node. After every
 * step (and the views settling) every node must agree with the model on groups,
 * counts, members and exactly who received what.
 */
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { ActorSystem } from "../../src/index.js";
import { check, opArb } from "../property/model.js";
import { settle, startNodes } from "../support/redis-cluster.js";
import { RedisServer, redisSkipReason } from "../support/redis-server.js";

const skip = redisSkipReason();

describe("three nodes over Redis, against the reference model", { skip }, () => {
  let redis: RedisServer;
  let nodes: ActorSystem[];
  before(async () => {
    redis = await RedisServer.start();
    nodes = await startNodes(redis.url, 3, "model");
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.shutdown()));
    await redis.stop();
  });

  it("agrees on outcomes, members, counts and deliveries over random sequences", async () => {
    const cluster = { nodes, settle: () => settle(nodes), close: async () => {} };
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40, size: "max" }), (ops) =>
        check(cluster, ops),
      ),
      { numRuns: 60 },
    );
  });
});
