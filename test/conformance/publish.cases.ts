/**
 * Conformance cases for publishToGroup: who is addressed (recipients, local and remote
 * counts, per node), topic filtering, exclude, once-only delivery, and the errors, each
 * of which must deliver nothing and change nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  GroupNotFoundError,
  InvalidArgumentError,
  InvalidNameError,
  InvalidTopicError,
} from "../../src/index.js";
import { eventually } from "../support/helpers.js";
import { rejectsWith, scopeWords, sorted, type World } from "./world.js";

export function publishCases(world: () => World): void {
  describe("publishToGroup", () => {
    it("reaches every member once and reports recipients, localCount, remoteCount and perNode", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const peers = w.spawnMany(2 * w.n + 1);
      const outsider = w.spawn(peers.length, "outsider");
      for (const p of peers) await p.join("g");
      await w.settle();
      for (let from = 0; from < w.n; from++) {
        const result = await w.on(from).publishToGroup("g", `from-${from}`);
        assert.deepEqual(sorted(result.recipients), sorted(peers.map((p) => p.id)));
        const hostedHere = peers.filter((p) => p.node === from).length;
        assert.equal(result.localCount, hostedHere, `localCount publishing from node ${from}`);
        assert.equal(result.remoteCount, peers.length - hostedHere);
        const perNode: Record<string, number> = {};
        for (const p of peers) {
          const nodeId = w.cluster.nodes[p.node]!.nodeId;
          perNode[nodeId] = (perNode[nodeId] ?? 0) + 1;
        }
        assert.deepEqual({ ...result.perNode }, perNode);
        await w.flush(from);
      }
      const expected = Array.from({ length: w.n }, (_, k) => `from-${k}`);
      for (const p of peers) assert.deepEqual(p.received, expected, p.id);
      assert.deepEqual(outsider.received, []);
    });

    it("sets the group and topic on the context of each delivery", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const [a] = w.spawnMany(1);
      await a!.join("g");
      await w.settle();
      await w.on(0).publishToGroup("g", "x", { topic: "orders.created" });
      await w.on(0).publishToGroup("g", "y");
      await w.received(a!, 2);
      assert.deepEqual(
        a!.all.map((d) => [d.message, d.group, d.topic]),
        [
          ["x", "g", "orders.created"],
          ["y", "g", undefined],
        ],
      );
    });

    it("delivers once to a member that joined three times", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const a = w.spawn(w.n - 1);
      await a.join("g");
      await a.join("g", { topics: ["t.*"] });
      await a.join("g", { topics: ["t.#", "#"] });
      await w.settle();
      const plain = await w.on(0).publishToGroup("g", "plain");
      const topical = await w.on(0).publishToGroup("g", "topical", { topic: "t.x" });
      assert.deepEqual([...plain.recipients], [a.id]);
      assert.deepEqual([...topical.recipients], [a.id]);
      assert.equal(topical.localCount + topical.remoteCount, 1);
      await w.flush();
      assert.deepEqual(a.received, ["plain", "topical"]);
    });

    it("reaches only members whose patterns match the topic", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const [exact, one, many, every] = w.spawnMany(4);
      await exact!.join("g", { topics: ["user.login"] });
      await one!.join("g", { topics: ["user.*"] });
      await many!.join("g", { topics: ["#.error"] });
      await every!.join("g");
      await w.settle();
      const cases: [string | undefined, string[]][] = [
        ["user.login", [exact!.id, one!.id, every!.id]],
        ["user.logout", [one!.id, every!.id]],
        ["user.login.error", [many!.id, every!.id]],
        ["error", [many!.id, every!.id]],
        ["billing", [every!.id]],
        [undefined, [exact!.id, one!.id, many!.id, every!.id]],
      ];
      for (const [topic, expected] of cases) {
        const result = await w
          .on(0)
          .publishToGroup("g", topic ?? "none", topic === undefined ? {} : { topic });
        assert.deepEqual(sorted(result.recipients), sorted(expected), `topic ${topic}`);
      }
      await w.flush();
      assert.deepEqual(exact!.received, ["user.login", "none"]);
      assert.deepEqual(one!.received, ["user.login", "user.logout", "none"]);
      assert.deepEqual(many!.received, ["user.login.error", "error", "none"]);
      assert.equal(every!.received.length, cases.length);
    });

    it("keeps one excluded actor, or several, out of that publish only", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const peers = w.spawnMany(4);
      const [a, b, c, d] = peers;
      for (const p of peers) await p.join("g");
      await w.settle();
      const one = await w.on(0).publishToGroup("g", "not-a", { exclude: a!.ref });
      assert.deepEqual(sorted(one.recipients), sorted([b!.id, c!.id, d!.id]));
      assert.equal(one.localCount + one.remoteCount, 3);
      const many = await w.on(0).publishToGroup("g", "not-bc", { exclude: [b!.ref, c!.id, "not-a-member"] });
      assert.deepEqual(sorted(many.recipients), sorted([a!.id, d!.id]));
      assert.equal(many.localCount + many.remoteCount, 2);
      const sum = Object.values(many.perNode).reduce((x, y) => x + y, 0);
      assert.equal(sum, 2);
      await w.on(0).publishToGroup("g", "all", { exclude: [] });
      await w.flush();
      assert.deepEqual(a!.received, ["not-bc", "all"]);
      assert.deepEqual(b!.received, ["not-a", "all"]);
      assert.deepEqual(c!.received, ["not-a", "all"]);
      assert.deepEqual(d!.received, ["not-a", "not-bc", "all"]);
    });

    it("delivers each node's publishes to each member in the order that node made them, across groups", async () => {
      const w = world();
      await w.on(0).createGroup("g1");
      await w.on(0).createGroup("g2");
      await w.settle();
      const peers = w.spawnMany(2 * w.n);
      for (const p of peers) {
        await p.join("g1");
        await p.join("g2");
      }
      await w.settle();
      const PER_NODE = 1_000;
      const sends: Promise<unknown>[] = [];
      for (let seq = 0; seq < PER_NODE; seq++) {
        for (let k = 0; k < w.n; k++) {
          // Not awaited one by one: each node's publishes are in flight together.
          sends.push(w.on(k).publishToGroup(seq % 2 === 0 ? "g1" : "g2", { from: k, seq }));
        }
      }
      await Promise.all(sends);
      for (const p of peers) await w.received(p, PER_NODE * w.n);
      for (const p of peers) {
        for (let k = 0; k < w.n; k++) {
          const seqs = p.received
            .filter((m): m is { from: number; seq: number } => (m as { from?: number }).from === k)
            .map((m) => m.seq);
          assert.deepEqual(
            seqs,
            Array.from({ length: PER_NODE }, (_, i) => i),
            `${p.id} from node ${k}`,
          );
        }
      }
    });

    it("is never held up by a slow member, which drops what overflows its own mailbox", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const host = w.n - 1;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slowGot: unknown[] = [];
      const slow = w.cluster.nodes[host]!.spawn(
        { id: "slow", ...w.scope, mailbox: { capacity: 10, overflow: "drop-newest" } },
        async (message: unknown) => {
          slowGot.push(message);
          await gate;
        },
      );
      await w.on(host).joinGroup("g", slow);
      const fast = w.spawnMany(w.n);
      for (const p of fast) await p.join("g");
      await w.settle();
      const PUBLISHES = 500;
      for (let seq = 0; seq < PUBLISHES; seq++) {
        const result = await w.on(0).publishToGroup("g", seq);
        assert.equal(result.localCount + result.remoteCount, fast.length + 1);
      }
      for (const p of fast) await w.received(p, PUBLISHES);
      assert.equal(slowGot.length, 1, "the slow member is still on its first message");
      for (const p of fast)
        assert.deepEqual(
          p.received,
          Array.from({ length: PUBLISHES }, (_, i) => i),
        );
      await eventually("the overflow to be counted", () => slow.droppedCount === PUBLISHES - 1 - 10, 10_000);
      release();
      await eventually("the slow member to drain", () => slowGot.length === 11, 10_000);
      assert.deepEqual(
        slowGot,
        Array.from({ length: 11 }, (_, i) => i),
      );
      await slow.stop();
    });

    it("addresses nobody in an empty group", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const result = await w.on(0).publishToGroup("g", "void");
      assert.deepEqual([...result.recipients], []);
      assert.equal(result.localCount, 0);
      assert.equal(result.remoteCount, 0);
      assert.deepEqual({ ...result.perNode }, {});
    });

    it("rejects a missing group, a bad name and a bad topic, delivering nothing and changing nothing", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const peers = w.spawnMany(3);
      for (const p of peers) await p.join("g", { topics: ["#"] });
      const before = await w.snapshot();
      const g = w.on(0);
      await rejectsWith(g.publishToGroup("missing", 1), GroupNotFoundError, "GROUP_NOT_FOUND", [
        "missing",
        ...scopeWords(w.scope),
      ]);
      await rejectsWith(g.publishToGroup("Bad", 1), InvalidNameError, "INVALID_NAME");
      for (const topic of ["a.*", "#", "a.#.b", "*", "a..b", ".a", "a.", "", "a b", "a/b", "a\u0000b"]) {
        await rejectsWith(g.publishToGroup("g", 1, { topic }), InvalidTopicError, "INVALID_TOPIC");
      }
      await rejectsWith(g.publishToGroup("g", 1, { exclude: "bad id!" }), InvalidNameError, "INVALID_NAME");
      assert.deepEqual(await w.snapshot(), before);
      await w.flush();
      for (const p of peers) assert.deepEqual(p.received, [], `${p.id} received nothing`);
    });

    it("refuses undefined, a function, a symbol and a BigInt as a message, on every node alike", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const peers = w.spawnMany(2);
      for (const p of peers) await p.join("g");
      await w.settle();
      for (const message of [undefined, () => 1, Symbol("s"), 10n]) {
        for (let from = 0; from < w.n; from++) {
          await rejectsWith(
            w.on(from).publishToGroup("g", message),
            InvalidArgumentError,
            "INVALID_ARGUMENT",
            ["message"],
          );
        }
        await rejectsWith(peers[0]!.ref.send(message), InvalidArgumentError, "INVALID_ARGUMENT", ["message"]);
      }
      await w.flush();
      for (const p of peers) assert.deepEqual(p.received, [], `${p.id} received nothing`);
    });
  });
}
