/**
 * Conformance cases for the rows that make and remove groups: createGroup (labels,
 * createdAt, memberCount, one winner among concurrent creates) and deleteGroup
 * (idempotent, takes every membership with it, on every node). Every error case also
 * checks that the failed call changed nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GroupAlreadyExistsError, GroupNotFoundError, InvalidNameError } from "../../src/index.js";
import { rejectsWith, scopeWords, type World } from "./world.js";

export function groupCases(world: () => World): void {
  describe("createGroup", () => {
    it("returns the group with its labels, createdAt and no members, and every node lists it", async () => {
      const w = world();
      const labels = { team: "core", "app.kubernetes.io/name": "chorus" };
      const before = Date.now();
      const group = await w.on(0).createGroup("orders", { labels });
      const after = Date.now();
      assert.equal(group.name, "orders");
      assert.equal(group.tenantId, w.scope.tenantId);
      assert.equal(group.namespace, w.scope.namespace);
      assert.deepEqual({ ...group.labels }, labels);
      assert.equal(group.memberCount, 0);
      assert.ok(group.createdAt instanceof Date);
      assert.ok(group.createdAt.getTime() >= before - 1_000 && group.createdAt.getTime() <= after + 1_000);
      labels.team = "changed"; // the caller's object is not kept
      const views = await w.views(async (_g, k) => w.describe("orders", k));
      for (const seen of views) {
        assert.ok(seen);
        assert.deepEqual({ ...seen.labels }, { team: "core", "app.kubernetes.io/name": "chorus" });
        assert.equal(seen.createdAt.getTime(), group.createdAt.getTime());
        assert.equal(seen.memberCount, 0);
      }
    });

    it("gives no labels when none are given", async () => {
      const w = world();
      const group = await w.on(0).createGroup("plain");
      assert.deepEqual({ ...group.labels }, {});
    });

    it("counts each member once in memberCount, however often it joined", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const [a, b, c] = w.spawnMany(3);
      await a!.join("g");
      await a!.join("g");
      await b!.join("g");
      await c!.join("g", { topics: ["x"] });
      await w.settle();
      for (const k of Array.from({ length: w.n }, (_, i) => i)) {
        assert.equal((await w.describe("g", k))?.memberCount, 3, `memberCount on node ${k}`);
      }
    });

    it("rejects GroupAlreadyExistsError on every node and keeps the first group as it was", async () => {
      const w = world();
      await w.on(0).createGroup("g", { labels: { v: "1" } });
      await w.settle();
      const a = w.spawn(0);
      await a.join("g");
      const before = await w.snapshot();
      for (let k = 0; k < w.n; k++) {
        await rejectsWith(
          w.on(k).createGroup("g", { labels: { v: "2" } }),
          GroupAlreadyExistsError,
          "GROUP_ALREADY_EXISTS",
          ["g", ...scopeWords(w.scope)],
        );
      }
      assert.deepEqual(await w.snapshot(), before);
    });

    it("lets exactly one of several concurrent creates of a name win, and every node agrees on it", async () => {
      const w = world();
      const attempts = Array.from({ length: Math.max(3, w.n) }, (_, i) =>
        w.on(i % w.n).createGroup("race", { labels: { by: String(i) } }),
      );
      const outcomes = await Promise.allSettled(attempts);
      const won = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      assert.equal(won.length, 1, "one create wins");
      for (const o of outcomes) {
        if (o.status === "rejected") assert.ok(o.reason instanceof GroupAlreadyExistsError, String(o.reason));
      }
      const views = await w.views(async (_g, k) => w.describe("race", k));
      for (const seen of views) assert.deepEqual({ ...seen?.labels }, { ...won[0]!.labels });
    });

    it("rejects a bad name or bad labels with InvalidNameError and creates nothing", async () => {
      const w = world();
      const before = await w.snapshot();
      await rejectsWith(w.on(0).createGroup("Bad Name"), InvalidNameError, "INVALID_NAME", ["Bad Name"]);
      await rejectsWith(
        w.on(0).createGroup("ok", { labels: { "Bad Key": "v" } }),
        InvalidNameError,
        "INVALID_NAME",
      );
      assert.deepEqual(await w.snapshot(), before);
      assert.equal(await w.describe("ok"), undefined);
    });
  });

  describe("deleteGroup", () => {
    it("removes the group and all its memberships on every node; its members receive nothing after", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const peers = w.spawnMany(3);
      for (const p of peers) await p.join("g");
      for (const p of peers) await p.join("g"); // counts of 2 do not survive a delete either
      await w.on(0).publishToGroup("g", "before");
      await w.on(0).deleteGroup("g");
      await w.settle();
      for (let k = 0; k < w.n; k++) {
        await rejectsWith(w.on(k).getMembers("g"), GroupNotFoundError, "GROUP_NOT_FOUND", ["g"]);
        await rejectsWith(w.on(k).publishToGroup("g", "after"), GroupNotFoundError, "GROUP_NOT_FOUND");
        assert.equal(await w.describe("g", k), undefined);
      }
      // A group of the same name starts empty: memberships do not come back.
      await w.on(0).createGroup("g");
      await w.expectMembers("g", []);
      await w.on(0).publishToGroup("g", "recreated");
      await w.flush();
      for (const p of peers) {
        assert.deepEqual(p.received, ["before"], `${p.id} got only what was published before`);
        assert.equal(p.ref.isStopped, false, "a delete does not stop its members");
      }
    });

    it("leaves no member behind when joins race with the delete", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const peers = w.spawnMany(2 * w.n);
      const joins = peers.map((p) => p.join("g"));
      const deleted = w.on(w.n - 1).deleteGroup("g");
      const outcomes = await Promise.allSettled([...joins, deleted]);
      for (const o of outcomes) {
        if (o.status === "rejected") assert.ok(o.reason instanceof GroupNotFoundError, String(o.reason));
      }
      assert.equal(outcomes.at(-1)?.status, "fulfilled", "the delete itself succeeds");
      await w.settle();
      for (let k = 0; k < w.n; k++) {
        await rejectsWith(w.on(k).getMembers("g"), GroupNotFoundError, "GROUP_NOT_FOUND");
      }
      await w.on(0).createGroup("g");
      await w.expectMembers("g", []);
    });

    it("is idempotent: deleting a missing or already deleted group resolves", async () => {
      const w = world();
      await w.on(0).createGroup("kept");
      const before = await w.snapshot();
      await w.on(0).deleteGroup("never-was");
      assert.deepEqual(await w.snapshot(), before);
      await w.on(0).createGroup("g");
      await w.on(0).deleteGroup("g");
      await w.on(0).deleteGroup("g");
      await w.settle();
      for (let k = 0; k < w.n; k++) await w.on(k).deleteGroup("g");
      assert.deepEqual(await w.snapshot(), before);
    });

    it("rejects a bad name with InvalidNameError and deletes nothing", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      const before = await w.snapshot();
      await rejectsWith(w.on(0).deleteGroup("G"), InvalidNameError, "INVALID_NAME");
      await rejectsWith(w.on(0).deleteGroup("g/.."), InvalidNameError, "INVALID_NAME");
      assert.deepEqual(await w.snapshot(), before);
    });
  });
}
