import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshScope, newSystem, recorder } from "./support/helpers.js";

describe("publishToGroup", () => {
  it("reaches every member's behaviour", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const a = recorder(system, scope, "a");
    const b = recorder(system, scope, "b");
    await groups.joinGroup("g", a.ref);
    await groups.joinGroup("g", b.ref);
    const result = await groups.publishToGroup("g", "hi");
    assert.deepEqual([...result.recipients].sort(), ["a", "b"]);
    assert.deepEqual(a.received, ["hi"]);
    assert.deepEqual(b.received, ["hi"]);
  });
});
