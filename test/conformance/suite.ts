/**
 * The conformance suite: the contract of the README (the tour, the guarantees, the
 * errors) as one set of tests that every mode runs — one embedded node, and several
 * nodes over Redis — in the manner of Phoenix.PubSub's shared adapter tests.
 *
 * Tests are written for a cluster of 1 to 3 nodes: actors are spawned round-robin over
 * the nodes, joined and left on the node that hosts them, groups are created on node 0,
 * and every read from another node comes after `settle()`. Nothing here knows which
 * backend runs underneath; a fixture starts the cluster and says how to wait for it.
 * Each test works in a scope of its own, so one cluster serves the whole suite.
 */
import assert from "node:assert/strict";
import { after, before, describe } from "node:test";
import { groupCases } from "./groups.cases.js";
import { listingCases } from "./listing.cases.js";
import { membershipCases } from "./membership.cases.js";
import { presenceCases } from "./presence.cases.js";
import { publishCases } from "./publish.cases.js";
import { requestCases } from "./requests.cases.js";
import { watchCases } from "./watch.cases.js";
import { type ClusterFixture, type TestCluster, World } from "./world.js";

export type { ClusterFixture, TestCluster } from "./world.js";

/** Defines the suite for `fixture`, run on a cluster of `nodeCount` nodes (default 1). */
export function defineConformanceSuite(name: string, fixture: ClusterFixture, nodeCount = 1): void {
  describe(`conformance: ${name}, ${nodeCount} node(s)`, { skip: fixture.skip ?? false }, () => {
    let cluster: TestCluster | undefined;
    before(async () => {
      cluster = await fixture.start(nodeCount);
      assert.equal(cluster.nodes.length, nodeCount, "the fixture started the nodes asked for");
    });
    after(async () => {
      await cluster?.close();
    });
    const world = (): World => {
      assert.ok(cluster, "the cluster has started");
      return new World(cluster);
    };
    groupCases(world);
    membershipCases(world);
    listingCases(world);
    publishCases(world);
    requestCases(world);
    presenceCases(world);
    watchCases(world);
  });
}
