/**
 * Conformance cases for the rows that change and read membership: joinGroup (pg
 * counting, topic merging), leaveGroup, getMembers, getLocalMembers. Every error case
 * also checks that the failed call changed nothing, on every node.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ActorNotFoundError,
  GroupNotFoundError,
  InvalidArgumentError,
  InvalidNameError,
  InvalidTopicError,
  NotAMemberError,
  PermissionDeniedError,
} from "../../src/index.js";
import { freshScope } from "../support/helpers.js";
import { rejectsWith, scopeWords, sorted, type World } from "./world.js";

export function membershipCases(world: () => World): void {
  describe("joinGroup", () => {
    it("counts joins like pg: join 16, leave 4, still a member; leave 12 more, gone", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const peers = w.spawnMany(Math.max(2, w.n));
      const [a, other] = peers;
      await other!.join("g");
      for (let i = 0; i < 16; i++) await a!.join("g");
      for (let i = 0; i < 4; i++) await a!.leave("g");
      await w.expectMembers("g", [a!.id, other!.id]);
      await w.on(0).publishToGroup("g", "m1");
      await w.received(a!, 1);
      for (let i = 0; i < 11; i++) await a!.leave("g");
      await w.expectMembers("g", [a!.id, other!.id]);
      await a!.leave("g");
      await w.expectMembers("g", [other!.id]);
      await w.on(0).publishToGroup("g", "m2");
      await w.flush();
      assert.deepEqual(a!.received, ["m1"]);
      assert.deepEqual(other!.received, ["m1", "m2"]);
      await rejectsWith(a!.leave("g"), NotAMemberError, "NOT_A_MEMBER", [a!.id, "g", ...scopeWords(w.scope)]);
    });

    it("merges topics across joins", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const a = w.spawn(w.n - 1);
      await a.join("g", { topics: ["orders.created"] });
      await w.settle();
      await w.on(0).publishToGroup("g", 1, { topic: "orders.created" });
      await w.on(0).publishToGroup("g", 2, { topic: "users.created" });
      // Topics are matched where the member lives, so 2 must arrive before the next join.
      await w.flush();
      await a.join("g", { topics: ["users.*"] });
      await w.settle();
      await w.on(0).publishToGroup("g", 3, { topic: "orders.created" });
      await w.on(0).publishToGroup("g", 4, { topic: "users.deleted" });
      await w.on(0).publishToGroup("g", 5, { topic: "billing.paid" });
      await w.flush();
      assert.deepEqual(a.received, [1, 3, 4]);
      assert.deepEqual(a.topics, ["orders.created", "orders.created", "users.deleted"]);
    });

    it("treats no topics or an empty list as everything, also when merged with patterns", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const [all, empty, later] = w.spawnMany(3);
      await all!.join("g");
      await empty!.join("g", { topics: [] });
      await later!.join("g", { topics: ["only.this"] });
      await later!.join("g");
      await w.settle();
      await w.on(0).publishToGroup("g", "t", { topic: "any.topic" });
      await w.on(0).publishToGroup("g", "none");
      await w.flush();
      for (const p of [all!, empty!, later!]) assert.deepEqual(p.received, ["t", "none"], p.id);
    });

    it("describes each member with its node, join count and topics, on every node alike", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const [a, b] = w.spawnMany(2);
      await a!.join("g");
      await a!.join("g");
      await b!.join("g", { topics: ["x.*", "y"] });
      await w.settle();
      for (let k = 0; k < w.n; k++) {
        const described = await w.on(k).describeMembers("g");
        const byId = new Map(described.map((m) => [m.actorId, m]));
        for (const [peer, joinCount, topics] of [
          [a!, 2, []],
          [b!, 1, ["x.*", "y"]],
        ] as const) {
          const info = byId.get(peer.id);
          assert.ok(info, `node ${k} describes ${peer.id}`);
          assert.equal(info.nodeId, w.cluster.nodes[peer.node]!.nodeId);
          assert.equal(info.joinCount, joinCount);
          assert.deepEqual([...info.topics].sort(), [...topics]);
          assert.equal(info.isLocal, peer.node === k);
        }
        assert.equal(described.length, 2);
      }
      await rejectsWith(w.on(0).describeMembers("nope"), GroupNotFoundError, "GROUP_NOT_FOUND");
    });

    it("accepts an actor id on the node that hosts it", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const [a, b] = w.spawnMany(2);
      await a!.groups.joinGroup("g", a!.id);
      await b!.groups.joinGroup("g", b!.id, { topics: ["x"] });
      await w.expectMembers("g", [a!.id, b!.id]);
    });

    it("rejects GroupNotFoundError, InvalidNameError, InvalidTopicError and InvalidArgumentError, changing nothing", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const a = w.spawn(0);
      await a.join("g", { topics: ["a"] });
      const before = await w.snapshot();
      const scope = scopeWords(w.scope);
      await rejectsWith(a.join("missing"), GroupNotFoundError, "GROUP_NOT_FOUND", ["missing", ...scope]);
      await rejectsWith(a.join("Missing"), InvalidNameError, "INVALID_NAME");
      for (const topics of [
        ["b", "c..d"],
        ["b", ""],
        ["b", "a b"],
        ["b", "x.y*"],
        ["b", "a/b"],
      ]) {
        await rejectsWith(a.join("g", { topics }), InvalidTopicError, "INVALID_TOPIC");
      }
      await rejectsWith(
        a.join("g", { topics: "b" as unknown as string[] }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
      );
      assert.deepEqual(await w.snapshot(), before);
      // Neither the count nor the topics moved: "b" is not received, one leave ends it.
      await w.on(0).publishToGroup("g", "to-b", { topic: "b" });
      await w.on(0).publishToGroup("g", "to-a", { topic: "a" });
      await w.flush();
      assert.deepEqual(a.received, ["to-a"]);
      await a.leave("g");
      await w.expectMembers("g", []);
    });

    it("rejects a stopped actor with ActorNotFoundError, and an unknown id too", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const a = w.spawn(0);
      await a.ref.stop();
      const before = await w.snapshot();
      await rejectsWith(a.join("g"), ActorNotFoundError, "ACTOR_NOT_FOUND", [a.id, ...scopeWords(w.scope)]);
      await rejectsWith(w.on(0).joinGroup("g", "nobody"), ActorNotFoundError, "ACTOR_NOT_FOUND", ["nobody"]);
      assert.deepEqual(await w.snapshot(), before);
    });

    it("joins and leaves an actor only on the node that hosts it", async (t) => {
      const w = world();
      if (w.n < 2) {
        t.skip("needs two nodes");
        return;
      }
      await w.on(0).createGroup("g");
      await w.settle();
      const remote = w.spawn(1);
      const before = await w.snapshot();
      await rejectsWith(w.on(0).joinGroup("g", remote.ref), ActorNotFoundError, "ACTOR_NOT_FOUND", [
        remote.id,
      ]);
      await rejectsWith(w.on(0).joinGroup("g", remote.id), ActorNotFoundError, "ACTOR_NOT_FOUND", [
        remote.id,
      ]);
      assert.deepEqual(await w.snapshot(), before);
      await remote.join("g");
      await w.settle();
      const joined = await w.snapshot();
      await rejectsWith(w.on(0).leaveGroup("g", remote.id), ActorNotFoundError, "ACTOR_NOT_FOUND", [
        remote.id,
      ]);
      await rejectsWith(w.on(0).leaveGroup("g", remote.ref), ActorNotFoundError, "ACTOR_NOT_FOUND", [
        remote.id,
      ]);
      assert.deepEqual(await w.snapshot(), joined);
      await w.expectMembers("g", [remote.id]);
    });

    it("rejects an actor of another scope with PermissionDeniedError", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      const foreignScope = freshScope("other");
      const foreign = w.cluster.nodes[0]!.spawn({ id: "intruder", ...foreignScope }, () => {});
      const before = await w.snapshot();
      await rejectsWith(w.on(0).joinGroup("g", foreign), PermissionDeniedError, "PERMISSION_DENIED", [
        "intruder",
        "g",
        foreignScope.tenantId,
        w.scope.tenantId,
      ]);
      assert.deepEqual(await w.snapshot(), before);
      await foreign.stop();
    });
  });

  describe("leaveGroup", () => {
    it("rejects NotAMemberError for an actor that never joined, and GroupNotFoundError, changing nothing", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const [a, b] = w.spawnMany(2);
      await a!.join("g");
      const before = await w.snapshot();
      await rejectsWith(b!.leave("g"), NotAMemberError, "NOT_A_MEMBER", [b!.id, "g", ...scopeWords(w.scope)]);
      await rejectsWith(a!.leave("nope"), GroupNotFoundError, "GROUP_NOT_FOUND", ["nope"]);
      await rejectsWith(a!.groups.leaveGroup("g", "bad id!"), InvalidNameError, "INVALID_NAME");
      assert.deepEqual(await w.snapshot(), before);
    });

    it("accepts an actor id on the node that hosts it", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const a = w.spawn(w.n - 1);
      await a.join("g");
      await a.groups.leaveGroup("g", a.id);
      await w.expectMembers("g", []);
    });
  });

  describe("joinGroups and leaveGroups", () => {
    it("join and leave each named group once, counted with joinGroup", async () => {
      const w = world();
      for (const name of ["a", "b", "c"]) await w.on(0).createGroup(name);
      await w.settle();
      const [p, q] = w.spawnMany(2);
      await p!.groups.joinGroups(["a", "b", "c"], p!.ref);
      await q!.groups.joinGroups(["b"], q!.ref, { topics: ["only.this"] });
      await p!.join("b"); // a second join of b
      await p!.groups.joinGroups([], p!.ref);
      for (const name of ["a", "c"]) await w.expectMembers(name, [p!.id]);
      await w.expectMembers("b", [p!.id, q!.id]);
      await p!.groups.leaveGroups(["a", "b"], p!.ref);
      await w.expectMembers("a", []);
      await w.expectMembers("b", [p!.id, q!.id]); // one join of b is left
      await w.on(0).publishToGroup("b", "x", { topic: "other" });
      await w.flush();
      assert.deepEqual(p!.received, ["x"]);
      assert.deepEqual(q!.received, []);
      await p!.groups.leaveGroups(["b", "c"], p!.ref);
      await w.expectMembers("b", [q!.id]);
      await w.expectMembers("c", []);
    });

    it("check every group first: a bad one rejects and changes nothing", async () => {
      const w = world();
      for (const name of ["a", "b"]) await w.on(0).createGroup(name);
      await w.settle();
      const p = w.spawn(w.n - 1);
      await p.join("a");
      await w.settle();
      const before = await w.snapshot();
      const g = p.groups;
      const scope = scopeWords(w.scope);
      await rejectsWith(g.joinGroups(["b", "missing"], p.ref), GroupNotFoundError, "GROUP_NOT_FOUND", [
        "missing",
        ...scope,
      ]);
      await rejectsWith(g.joinGroups(["b", "B"], p.ref), InvalidNameError, "INVALID_NAME");
      await rejectsWith(g.joinGroups(["b", "b"], p.ref), InvalidArgumentError, "INVALID_ARGUMENT", [
        "'b' twice",
      ]);
      await rejectsWith(g.joinGroups("b" as never, p.ref), InvalidArgumentError, "INVALID_ARGUMENT", [
        "names",
      ]);
      await rejectsWith(g.joinGroups(["b"], p.ref, { topics: ["x..y"] }), InvalidTopicError, "INVALID_TOPIC");
      await rejectsWith(g.joinGroups(["b"], "nobody"), ActorNotFoundError, "ACTOR_NOT_FOUND", ["nobody"]);
      await rejectsWith(g.leaveGroups(["a", "b"], p.ref), NotAMemberError, "NOT_A_MEMBER", [p.id, "b"]);
      await rejectsWith(g.leaveGroups(["a", "missing"], p.ref), GroupNotFoundError, "GROUP_NOT_FOUND");
      const tooMany = Array.from({ length: 10_001 }, (_, i) => `g${i}`);
      await rejectsWith(g.joinGroups(tooMany, p.ref), InvalidArgumentError, "INVALID_ARGUMENT", ["10000"]);
      await w.settle();
      assert.deepEqual(await w.snapshot(), before);
    });
  });

  describe("getMembers and getLocalMembers", () => {
    it("list every member once cluster-wide, and each node's own members locally", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const peers = w.spawnMany(3 * w.n + 1);
      for (const p of peers) {
        await p.join("g");
        await p.join("g", { topics: ["x.#"] });
      }
      const ids = peers.map((p) => p.id);
      await w.expectMembers("g", ids);
      const locals = await w.views((g) => g.getLocalMembers("g"));
      for (const [k, local] of locals.entries()) {
        const hosted = peers.filter((p) => p.node === k).map((p) => p.id);
        assert.deepEqual(sorted(local), sorted(hosted), `local members of node ${k}`);
      }
      assert.deepEqual(sorted(locals.flat()), sorted(ids));
    });

    it("reject GroupNotFoundError for a missing group and InvalidNameError for a bad name", async () => {
      const w = world();
      for (let k = 0; k < w.n; k++) {
        await rejectsWith(w.on(k).getMembers("none"), GroupNotFoundError, "GROUP_NOT_FOUND", ["none"]);
        await rejectsWith(w.on(k).getLocalMembers("none"), GroupNotFoundError, "GROUP_NOT_FOUND", ["none"]);
        await rejectsWith(w.on(k).getMembers(""), InvalidNameError, "INVALID_NAME");
      }
    });
  });
}
