/**
 * What a watch does with a consumer that stops reading: it buffers up to a bound, then
 * ends with WatchOverflowError on the next read instead of growing without end. The
 * other watchers, and the groups themselves, carry on.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WatchOverflowError } from "../../src/index.js";
import { freshScope, newSystem } from "../support/helpers.js";

describe("a watch nobody reads", () => {
  it("ends with WatchOverflowError past its buffer, leaving other watchers and the groups alone", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const idle = groups.watch();
    const reader = groups.watch("g");
    const ref = system.spawn({ id: "churn", ...scope }, () => {});
    const events: string[] = [];
    for (let i = 0; i < 6_000; i++) {
      await groups.joinGroup("g", ref);
      await groups.leaveGroup("g", ref);
      for (let k = 0; k < 2; k++) {
        const next = await reader.next();
        if (!next.done) events.push(next.value.type);
      }
    }
    await assert.rejects(idle.next(), (error: unknown) => {
      assert.ok(error instanceof WatchOverflowError);
      assert.equal(error.code, "WATCH_OVERFLOW");
      assert.ok(error.message.includes(scope.tenantId));
      return true;
    });
    assert.equal((await idle.next()).done, true, "the overflowed watch is over");
    assert.equal(events.length, 12_000, "a watcher that reads keeps every event");
    assert.deepEqual(await groups.getMembers("g"), []);
    await groups.joinGroup("g", ref);
    assert.deepEqual(await reader.next(), {
      done: false,
      value: { type: "joined", group: "g", actorId: "churn", nodeId: system.nodeId },
    });
    await reader.return?.();
  });
});
