/**
 * The model check over Redis: two nodes in this process on one test-owned
 * redis-server, actors spread over both, every step followed by a settle and a
 * comparison of both nodes' views and of every delivery. Fewer, shorter runs than on
 * the embedded backend: each step is a round trip.
 */
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { startRedisCluster } from "../conformance/redis-fixture.js";
import type { TestCluster } from "../conformance/suite.js";
import { redisSkipReason } from "../support/redis-server.js";
import { check, opArb } from "./model.js";

const skip = redisSkipReason() ?? false;

describe("the process groups over Redis, against a reference model", { skip }, () => {
  let cluster: TestCluster | undefined;
  before(async () => {
    cluster = await startRedisCluster(2);
  });
  after(async () => {
    await cluster?.close();
  });

  it("agree on outcomes, every node's view and deliveries over random operation sequences", async () => {
    const started = cluster;
    if (started === undefined) throw new Error("the cluster did not start");
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40, size: "max" }), (ops) =>
        check(started, ops),
      ),
      { numRuns: 30 },
    );
  });
});
