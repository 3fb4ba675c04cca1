/**
 * The conformance suite over Redis: 2 and 3 nodes in this process, each its own
 * ActorSystem joined to one test-owned redis-server.
 *
 * Skipped, loudly, where redis-server is not installed (and failed in CI, where it must be).
 */
import { redisSkipReason } from "../support/redis-server.js";
import { startRedisCluster } from "./redis-fixture.js";
import { defineConformanceSuite } from "./suite.js";

const skip = redisSkipReason();
for (const nodeCount of [2, 3]) {
  defineConformanceSuite(
    "redis",
    { ...(skip !== undefined && { skip }), start: startRedisCluster },
    nodeCount,
  );
}
