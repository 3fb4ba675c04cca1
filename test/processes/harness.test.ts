/**
 * The node-process harness itself, on one embedded node (no Redis): commands are
 * answered, errors come back typed, deliveries and events are recorded, a paused node
 * times out instead of hanging the test, and a crashed one is reported as gone.
 */
import { strict as assert } from "node:assert";
import { after, describe, it } from "node:test";
import { freshScope } from "../support/helpers.js";
import { killAllNodes, NodeProcess, RemoteError } from "../support/node-process.js";

after(killAllNodes);

describe("NodeProcess", () => {
  it("runs the commands of a node and records what its actors handled", { timeout: 30_000 }, async () => {
    const scope = freshScope();
    const node = await NodeProcess.start({ nodeId: "solo" });
    await node.request({ op: "spawn", scope, actorId: "a1" });
    await node.request({ op: "spawn", scope, actorId: "a2" });
    await node.request({ op: "createGroup", scope, group: "g" });
    await node.request({ op: "join", scope, group: "g", actorId: "a1" });
    await node.request({ op: "join", scope, group: "g", actorId: "a2", topics: ["x.*"] });
    const result = await node.request({ op: "publish", scope, group: "g", message: "hello", topic: "x.y" });
    assert.deepEqual([...result.recipients].sort(), ["a1", "a2"]);
    assert.equal(result.localCount, 2);
    assert.deepEqual(result.perNode, { solo: 2 });
    await node.request({ op: "publishMany", scope, group: "g", tag: "burst", count: 5 });
    assert.deepEqual(await node.request({ op: "view", scope, groups: ["g", "nope"] }), {
      g: ["a1", "a2"],
      nope: null,
    });
    const received = await node.request({ op: "received", tenantId: scope.tenantId });
    // A publish without a topic reaches every member, topic subscribers included.
    const expected = ["hello", ...[0, 1, 2, 3, 4].map((n) => ({ from: "solo", tag: "burst", n }))];
    for (const id of ["a1", "a2"]) {
      assert.deepEqual(
        received.filter((d) => d.actorId === id).map((d) => d.message),
        expected,
      );
    }
    await node.request({ op: "stopActor", scope, actorId: "a1" });
    assert.deepEqual(await node.request({ op: "localMembers", scope, group: "g" }), ["a2"]);
    const events = await node.request({ op: "events", tenantId: scope.tenantId });
    assert.deepEqual(
      events.map((e) => `${e.type}:${e.actorId ?? e.group}`),
      ["created:g", "joined:a1", "joined:a2", "left:a1"],
    );
    await node.shutdown();
    assert.equal(node.isAlive, false);
  });

  it("answers a failed command with the error's class and code", { timeout: 30_000 }, async () => {
    const scope = freshScope();
    const node = await NodeProcess.start({ nodeId: "solo" });
    await node.request({ op: "spawn", scope, actorId: "a1" });
    await assert.rejects(node.request({ op: "join", scope, group: "missing", actorId: "a1" }), (error) => {
      assert.ok(error instanceof RemoteError);
      assert.equal(error.code, "GROUP_NOT_FOUND");
      assert.equal(error.remoteName, "GroupNotFoundError");
      return true;
    });
    await node.shutdown();
  });

  it("times a paused node out, and reports a crashed one as gone", { timeout: 30_000 }, async () => {
    const scope = freshScope();
    const node = await NodeProcess.start({ nodeId: "solo" });
    node.pause();
    await assert.rejects(node.request({ op: "groups", scope }, 300), /did not answer 'groups' within 300 ms/);
    node.resume();
    assert.deepEqual(await node.request({ op: "groups", scope }), []);
    const pending = node.request({ op: "waitGone", scope, group: "g", actorIds: [], timeoutMs: 1 });
    await pending.catch(() => undefined);
    await node.crash();
    assert.equal(await node.exited, "SIGKILL");
    await assert.rejects(node.request({ op: "groups", scope }), /is not running/);
  });
});
