/**
 * Join counting as an actor's memberships change shape: a first join without topics,
 * more joins of the same group, joins with and without topics in either order, many
 * groups at once, and a stop. Each join needs its own leave, a member keeps what it
 * asked for, and watchers hear of a membership only when it starts and when it ends.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type MembershipEvent, NotAMemberError } from "../../src/index.js";
import { eventually, freshScope, newSystem, recorder } from "../support/helpers.js";

describe("join counting", () => {
  const system = newSystem();
  after(() => system.shutdown());

  it("needs one leave per join, group by group, whatever the order", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("a");
    await groups.createGroup("b");
    const { ref } = recorder(system, scope, "w");
    await groups.joinGroup("a", ref);
    await groups.joinGroup("b", ref);
    await groups.joinGroup("a", ref);
    await groups.leaveGroup("a", ref);
    assert.deepEqual(await groups.getMembers("a"), ["w"]);
    await groups.leaveGroup("b", ref);
    assert.deepEqual(await groups.getMembers("b"), []);
    assert.deepEqual(await groups.getMembers("a"), ["w"]);
    await groups.leaveGroup("a", ref);
    assert.deepEqual(await groups.getMembers("a"), []);
    await assert.rejects(groups.leaveGroup("a", ref), NotAMemberError);
    await assert.rejects(groups.leaveGroup("b", ref), NotAMemberError);
    // Joined again after leaving everything, it is a member as before.
    await groups.joinGroup("b", ref);
    assert.deepEqual(await groups.getMembers("b"), ["w"]);
    assert.equal((await groups.getGroup("b")).memberCount, 1);
  });

  it("keeps a member that asked for everything receiving everything, in either order", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const first = recorder(system, scope, "everything-first");
    const second = recorder(system, scope, "topics-first");
    await groups.joinGroup("g", first.ref);
    await groups.joinGroup("g", first.ref, { topics: ["a"] });
    await groups.joinGroup("g", second.ref, { topics: ["a"] });
    await groups.joinGroup("g", second.ref);
    await groups.publishToGroup("g", 1, { topic: "b" });
    await eventually(
      "both got the message",
      () => first.received.length === 1 && second.received.length === 1,
      5_000,
    );
    // One leave each: both are still members (two joins each), still of everything.
    await groups.leaveGroup("g", first.ref);
    await groups.leaveGroup("g", second.ref);
    assert.deepEqual((await groups.getMembers("g")).sort(), ["everything-first", "topics-first"]);
    await groups.publishToGroup("g", 2, { topic: "c" });
    await eventually(
      "both got the second message",
      () => first.received.length === 2 && second.received.length === 2,
      5_000,
    );
    await groups.leaveGroup("g", first.ref);
    await groups.leaveGroup("g", second.ref);
    assert.deepEqual(await groups.getMembers("g"), []);
  });

  it("counts each of many groups apart, and a stop leaves them all", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    // More groups than an actor's short list of groups holds.
    const names = Array.from({ length: 40 }, (_, i) => `g${i}`);
    for (const name of names) await groups.createGroup(name);
    const member = recorder(system, scope, "w");
    for (const name of names) await groups.joinGroup(name, member.ref);
    for (const name of names.slice(0, 10)) await groups.joinGroup(name, member.ref);
    for (const name of names) await groups.leaveGroup(name, member.ref);
    for (const [i, name] of names.entries()) {
      assert.deepEqual(await groups.getMembers(name), i < 10 ? ["w"] : [], name);
    }
    for (const name of names.slice(10))
      await assert.rejects(groups.leaveGroup(name, member.ref), NotAMemberError);
    for (const name of names.slice(20)) await groups.joinGroup(name, member.ref);
    for (const name of names) await groups.publishToGroup(name, name);
    const expected = [...names.slice(0, 10), ...names.slice(20)];
    await eventually(
      "a message from each group it is in",
      () => member.received.length === expected.length,
      5_000,
    );
    assert.deepEqual(member.received, expected);
    await member.ref.stop();
    for (const name of names) assert.deepEqual(await groups.getMembers(name), [], name);
  });

  it("takes no join away from a new actor of the same id with the stopped one's ref", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const old = recorder(system, scope, "w");
    await groups.joinGroup("g", old.ref);
    await old.ref.stop();
    const fresh = recorder(system, scope, "w");
    await groups.joinGroup("g", fresh.ref);
    await assert.rejects(groups.leaveGroup("g", old.ref), NotAMemberError);
    assert.deepEqual(await groups.getMembers("g"), ["w"]);
    await groups.leaveGroup("g", fresh.ref);
    assert.deepEqual(await groups.getMembers("g"), []);
  });

  it("leaves by ref or by id alike, after joins with topics elsewhere", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("a");
    await groups.createGroup("b");
    const { ref } = recorder(system, scope, "w");
    await groups.joinGroup("a", ref, { topics: ["x"] });
    await groups.joinGroup("b", ref);
    await groups.leaveGroup("b", "w");
    await groups.leaveGroup("a", ref);
    await assert.rejects(groups.leaveGroup("a", ref), NotAMemberError);
    // In no group again: joined once, it leaves with one leave.
    await groups.joinGroup("b", ref);
    await groups.leaveGroup("b", ref);
    assert.deepEqual(await groups.getMembers("b"), []);
    await assert.rejects(groups.leaveGroup("b", "w"), NotAMemberError);
  });

  it("tells watchers when a membership starts and ends, not of joins in between", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const { ref } = recorder(system, scope, "w");
    const events: MembershipEvent[] = [];
    const controller = new AbortController();
    const watching = (async () => {
      for await (const event of groups.watch("g", { signal: controller.signal })) events.push(event);
    })();
    await groups.joinGroup("g", ref);
    await groups.joinGroup("g", ref);
    await groups.joinGroup("g", ref, { topics: ["a"] });
    await groups.leaveGroup("g", ref);
    await groups.leaveGroup("g", ref);
    await groups.leaveGroup("g", ref);
    await groups.joinGroup("g", ref);
    await eventually("three events", () => events.length === 3, 5_000);
    controller.abort();
    await watching;
    assert.deepEqual(
      events.map((e) => e.type),
      ["joined", "left", "joined"],
    );
  });
});
