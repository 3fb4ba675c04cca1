/**
 * The model check on the embedded backend: one node, many short random sequences.
 */
import { describe, it } from "node:test";
import fc from "fast-check";
import { ActorSystem } from "../../src/index.js";
import { check, opArb } from "./model.js";

describe("the process groups, against a reference model", () => {
  it("agree on outcomes, members, counts and deliveries over random operation sequences", async () => {
    await using system = new ActorSystem({ nodeId: "model" });
    const cluster = { nodes: [system], settle: async () => {}, close: () => system.shutdown() };
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 80, size: "max" }), (ops) =>
        check(cluster, ops),
      ),
      { numRuns: 500 },
    );
  });
});
