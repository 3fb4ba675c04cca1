/**
 * The conformance suite on the embedded backend: one ActorSystem with no cluster
 * options, nothing else running.
 */
import { ActorSystem } from "../../src/index.js";
import { defineConformanceSuite } from "./suite.js";

defineConformanceSuite("embedded", {
  async start(nodeCount) {
    if (nodeCount !== 1) throw new Error("an embedded system is a single node");
    const system = new ActorSystem({ nodeId: "embedded-1" });
    return {
      nodes: [system],
      settle: async () => {},
      close: () => system.shutdown(),
    };
  },
});
