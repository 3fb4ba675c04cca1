/**
 * Conformance cases for messaging beyond broadcast: members as references, a send or
 * an ask to one actor wherever it lives (`members`, `actorAt`), scatter/gather
 * (`askGroup`), and one member by strategy (`dispatch`, `pick`) — with their errors,
 * the same on one embedded node and across nodes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ActorNotFoundError,
  AskFailedError,
  AskTimeoutError,
  GroupEmptyError,
  GroupNotFoundError,
  InvalidArgumentError,
  InvalidNameError,
  MailboxFullError,
  type MemberRef,
} from "../../src/index.js";
import { eventually } from "../support/helpers.js";
import { rejectsWith, scopeWords, sorted, type World } from "./world.js";

const nodeIdOf = (w: World, k: number): string => w.cluster.nodes[k]!.nodeId;

export function requestCases(world: () => World): void {
  describe("members", () => {
    it("lists every member as a reference with its node, local or not, in join order", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const peers = w.spawnMany(2 * w.n);
      for (const p of peers) await p.join("g");
      await w.settle();
      for (let k = 0; k < w.n; k++) {
        const refs = await w.on(k).members("g");
        assert.deepEqual(sorted(refs.map((r) => r.id)), sorted(peers.map((p) => p.id)));
        for (const ref of refs) {
          const peer = peers.find((p) => p.id === ref.id)!;
          assert.equal(ref.nodeId, nodeIdOf(w, peer.node), `${ref.id}'s node`);
          assert.equal(ref.isLocal, peer.node === k, `${ref.id} is local to node ${k}`);
          assert.equal(ref.tenantId, w.scope.tenantId);
          assert.equal(ref.namespace, w.scope.namespace);
        }
      }
      const mine = (await w.on(0).members("g")).filter((r) => r.isLocal).map((r) => r.id);
      assert.deepEqual(
        mine,
        peers.filter((p) => p.node === 0).map((p) => p.id),
        "join order",
      );
    });

    it("refuses a missing group and a bad name", async () => {
      const w = world();
      await rejectsWith(w.on(0).members("nope"), GroupNotFoundError, "GROUP_NOT_FOUND", [
        "nope",
        ...scopeWords(w.scope),
      ]);
      await rejectsWith(w.on(0).members("Bad Name"), InvalidNameError, "INVALID_NAME");
    });
  });

  describe("send and ask to one actor", () => {
    it("a send from every node reaches the actor in the order it was sent", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const peers = w.spawnMany(w.n);
      for (const p of peers) await p.join("g");
      await w.settle();
      for (let from = 0; from < w.n; from++) {
        const refs = await w.on(from).members("g");
        for (const ref of refs) {
          await Promise.all(Array.from({ length: 50 }, (_, i) => ref.send({ from, i })));
        }
      }
      for (const p of peers) {
        await w.received(p, 50 * w.n);
        for (let from = 0; from < w.n; from++) {
          const mine = p.received.filter((m) => (m as { from: number }).from === from);
          assert.deepEqual(
            mine.map((m) => (m as { i: number }).i),
            Array.from({ length: 50 }, (_, i) => i),
            `${p.id} got node ${from}'s sends in order`,
          );
        }
        assert.ok(
          p.all.every((d) => d.group === undefined),
          "a direct send has no group",
        );
      }
    });

    it("an ask from every node resolves with what the behaviour returns, sync or async", async () => {
      const w = world();
      const peers = Array.from({ length: w.n }, (_, i) =>
        w.spawn(i, `calc${i}`, async (m) => {
          const { x } = m as { x: number };
          if (x % 2 === 0) return { doubled: 2 * x, by: i };
          await new Promise((resolve) => setTimeout(resolve, 5));
          return { doubled: 2 * x, by: i };
        }),
      );
      const quiet = w.spawn(0, "quiet");
      for (let from = 0; from < w.n; from++) {
        const system = w.cluster.nodes[from]!;
        for (const p of peers) {
          const ref = system.actorAt(w.scope, p.id, nodeIdOf(w, p.node));
          assert.deepEqual(await ref.ask({ x: 3 }), { doubled: 6, by: p.node });
          assert.deepEqual(await ref.ask({ x: 4 }), { doubled: 8, by: p.node });
        }
        const silent = system.actorAt(w.scope, quiet.id, nodeIdOf(w, 0));
        assert.equal(
          await silent.ask("hello"),
          undefined,
          "a behaviour that returns nothing answers undefined",
        );
      }
    });

    it("an ask whose behaviour throws rejects with AskFailedError, and the failure policy applies", async () => {
      const w = world();
      const node = w.n - 1;
      const failing = w.spawn(node, "failing", () => {
        throw new Error("boom at the far end");
      });
      const resilient = w.spawn(
        node,
        "resilient",
        (m) => {
          if (m === "bad") throw new Error("not this one");
          return "fine";
        },
        { onError: "resume" },
      );
      const from = w.cluster.nodes[0]!;
      const ref = from.actorAt(w.scope, failing.id, nodeIdOf(w, node));
      await assert.rejects(ref.ask("x"), (error: unknown) => {
        assert.ok(error instanceof AskFailedError);
        assert.equal(error.code, "ASK_FAILED");
        assert.match(error.remoteMessage, /boom at the far end/);
        return true;
      });
      await failing.ref.stopped; // its policy is `stop`
      await rejectsWith(ref.ask("again"), ActorNotFoundError, "ACTOR_NOT_FOUND", ["failing"]);
      const other = from.actorAt(w.scope, resilient.id, nodeIdOf(w, node));
      await rejectsWith(other.ask("bad"), AskFailedError, "ASK_FAILED", ["resilient", "not this one"]);
      assert.equal(await other.ask("good"), "fine", "`resume` keeps the actor answering");
    });

    it("an ask that gets no answer in time rejects with AskTimeoutError; the actor goes on", async () => {
      const w = world();
      const node = w.n - 1;
      let release: () => void = () => undefined;
      const stuck = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow = w.spawn(node, "slow", async (m) => {
        if (m === "wait") await stuck;
        return m;
      });
      const ref = w.cluster.nodes[0]!.actorAt(w.scope, slow.id, nodeIdOf(w, node));
      await rejectsWith(ref.ask("wait", { timeoutMs: 50 }), AskTimeoutError, "ASK_TIMEOUT", ["slow"]);
      release();
      assert.equal(await ref.ask("after"), "after");
    });

    it("a send or ask to an actor that is not there rejects with ActorNotFoundError", async () => {
      const w = world();
      const node = w.n - 1;
      const gone = w.spawn(node, "gone");
      await gone.ref.stop();
      const from = w.cluster.nodes[0]!;
      for (const id of ["gone", "never-was"]) {
        const ref = from.actorAt(w.scope, id, nodeIdOf(w, node));
        await rejectsWith(ref.send("x"), ActorNotFoundError, "ACTOR_NOT_FOUND", [id, ...scopeWords(w.scope)]);
        await rejectsWith(ref.ask("x"), ActorNotFoundError, "ACTOR_NOT_FOUND", [id]);
      }
      // Another scope's actor of the same id is not this one.
      const elsewhere = w.spawn(node, "elsewhere");
      const otherScope = { tenantId: `${w.scope.tenantId}-x`, namespace: w.scope.namespace };
      const wrong = from.actorAt(otherScope, elsewhere.id, nodeIdOf(w, node));
      await rejectsWith(wrong.send("x"), ActorNotFoundError, "ACTOR_NOT_FOUND", ["elsewhere"]);
      await w.flush();
      assert.deepEqual(elsewhere.received, []);
    });

    it("a full mailbox that rejects refuses a send and an ask with MailboxFullError", async () => {
      const w = world();
      const node = w.n - 1;
      let release: () => void = () => undefined;
      const stuck = new Promise<void>((resolve) => {
        release = resolve;
      });
      const busy = w.spawn(node, "busy", () => stuck, { mailbox: { capacity: 1, overflow: "reject" } });
      const ref = w.cluster.nodes[0]!.actorAt(w.scope, busy.id, nodeIdOf(w, node));
      await ref.send("first"); // handled at once: the actor is now busy
      await ref.send("second"); // waits in the mailbox
      await rejectsWith(ref.send("third"), MailboxFullError, "MAILBOX_FULL", ["busy"]);
      await rejectsWith(ref.ask("fourth"), MailboxFullError, "MAILBOX_FULL", ["busy"]);
      release();
      await w.received(busy, 2);
      assert.deepEqual(busy.received, ["first", "second"]);
    });

    it("refuses bad input before anything is sent", async () => {
      const w = world();
      const p = w.spawn(w.n - 1, "p");
      const system = w.cluster.nodes[0]!;
      const ref = system.actorAt(w.scope, p.id, nodeIdOf(w, p.node));
      assert.throws(() => system.actorAt(w.scope, "bad id!", nodeIdOf(w, 0)), InvalidNameError);
      assert.throws(() => system.actorAt({ tenantId: "", namespace: "x" }, "a"), InvalidNameError);
      assert.throws(() => system.actorAt(w.scope, "a", "bad node!"), InvalidNameError);
      await rejectsWith(ref.send(undefined), InvalidArgumentError, "INVALID_ARGUMENT", ["message"]);
      await rejectsWith(
        ref.ask(() => 1),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
        ["message"],
      );
      await rejectsWith(ref.ask("x", { timeoutMs: -1 }), InvalidArgumentError, "INVALID_ARGUMENT", [
        "timeoutMs",
      ]);
      await w.flush();
      assert.deepEqual(p.received, []);
    });

    it("an ask abandoned by its signal rejects with the signal's reason", async () => {
      const w = world();
      const slow = w.spawn(w.n - 1, "slow", () => new Promise(() => undefined));
      const ref = w.cluster.nodes[0]!.actorAt(w.scope, slow.id, nodeIdOf(w, slow.node));
      const controller = new AbortController();
      const asked = ref.ask("x", { signal: controller.signal, timeoutMs: 10_000 });
      controller.abort(new Error("changed my mind"));
      await assert.rejects(asked, /changed my mind/);
    });
  });

  describe("askGroup", () => {
    it("gathers every member's answer, by member, from every node", async () => {
      const w = world();
      await w.on(0).createGroup("svc");
      await w.settle();
      const peers = Array.from({ length: 2 * w.n }, (_, i) => w.spawn(i, `s${i}`, (m) => `${m}:s${i}`));
      for (const p of peers) await p.join("svc");
      await w.settle();
      for (let from = 0; from < w.n; from++) {
        const { replies, missing } = await w.on(from).askGroup<string>("svc", "ping", { timeoutMs: 5_000 });
        assert.deepEqual(missing, []);
        assert.deepEqual(
          sorted(replies.map((r) => `${r.member.id}=${r.reply}`)),
          sorted(peers.map((p) => `${p.id}=ping:${p.id}`)),
        );
        for (const r of replies) {
          const peer = peers.find((p) => p.id === r.member.id)!;
          assert.equal(r.member.nodeId, nodeIdOf(w, peer.node));
        }
      }
    });

    it("lists slow and failing members as missing, with why, and never rejects for them", async () => {
      const w = world();
      await w.on(0).createGroup("svc");
      await w.settle();
      const ok = w.spawn(0, "ok", () => "yes");
      const slow = w.spawn(1, "slow", () => new Promise(() => undefined));
      const failing = w.spawn(2, "failing", () => {
        throw new Error("broken");
      });
      for (const p of [ok, slow, failing]) await p.join("svc");
      await w.settle();
      const { replies, missing } = await w.on(0).askGroup("svc", "health?", { timeoutMs: 300 });
      assert.deepEqual(
        replies.map((r) => [r.member.id, r.reply]),
        [["ok", "yes"]],
      );
      const why = Object.fromEntries(missing.map((m) => [m.member.id, m.error.code]));
      assert.deepEqual(why, { slow: "ASK_TIMEOUT", failing: "ASK_FAILED" });
    });

    it("addresses members by topic and leaves out `exclude`", async () => {
      const w = world();
      await w.on(0).createGroup("keys");
      await w.settle();
      const a = w.spawn(0, "a", () => "a");
      const b = w.spawn(1, "b", () => "b");
      const c = w.spawn(2, "c", () => "c");
      await a.join("keys", { topics: ["shard.1"] });
      await b.join("keys", { topics: ["shard.*"] });
      await c.join("keys");
      await w.settle();
      const byTopic = await w.on(0).askGroup("keys", "who?", { topic: "shard.1" });
      assert.deepEqual(sorted(byTopic.replies.map((r) => r.reply as string)), ["a", "b", "c"]);
      const narrow = await w.on(0).askGroup("keys", "who?", { topic: "shard.2", exclude: "a" });
      assert.deepEqual(sorted(narrow.replies.map((r) => r.reply as string)), ["b", "c"]);
      const without = await w.on(0).askGroup("keys", "who?", { exclude: a.ref });
      assert.deepEqual(sorted(without.replies.map((r) => r.reply as string)), ["b", "c"]);
    });

    it("resolves at once with nothing for a group with no member; refuses bad input", async () => {
      const w = world();
      await w.on(0).createGroup("empty");
      await w.settle();
      assert.deepEqual(await w.on(0).askGroup("empty", "x"), { replies: [], missing: [] });
      await rejectsWith(w.on(0).askGroup("nope", "x"), GroupNotFoundError, "GROUP_NOT_FOUND", ["nope"]);
      await rejectsWith(w.on(0).askGroup("empty", undefined), InvalidArgumentError, "INVALID_ARGUMENT");
      await rejectsWith(
        w.on(0).askGroup("empty", "x", { timeoutMs: 0 }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
        ["timeoutMs"],
      );
    });
  });

  describe("typed groups", () => {
    it("do what the scope handle does, for one group", async () => {
      const w = world();
      await w.on(0).createGroup("orders");
      await w.settle();
      interface Order {
        readonly id: number;
      }
      const clerks = Array.from({ length: w.n }, (_, i) =>
        w.spawn(i, `clerk${i}`, (m) => ({ id: (m as Order).id, by: i })),
      );
      // The peers' refs answer `unknown`: they may join a group whose answers are unknown.
      for (const clerk of clerks) await clerk.groups.typed<Order>("orders").join(clerk.ref);
      await w.settle();
      const orders = w.on(0).typed<Order, { id: number; by: number }>("orders");
      assert.equal(orders.name, "orders");
      assert.equal((await orders.members()).length, w.n);
      const { replies } = await orders.askGroup({ id: 7 });
      assert.deepEqual(replies.map((r) => r.reply.by).sort(), clerks.map((c) => c.node).sort());
      assert.deepEqual(replies[0]?.reply.id, 7);
      const result = await orders.publish({ id: 8 });
      assert.equal(result.recipients.length, w.n);
      const picked = await orders.dispatch({ id: 9 });
      assert.ok(clerks.some((c) => c.id === picked.id));
      await orders.leave(clerks[0]!.ref);
      await w.settle();
      assert.equal((await w.on(0).typed<Order>("orders").members()).length, w.n - 1);
      assert.throws(() => w.on(0).typed("Not A Name"), InvalidNameError);
    });
  });

  describe("dispatch and pick", () => {
    it("round-robin gives each member its turn, from every node", async () => {
      const w = world();
      await w.on(0).createGroup("pool");
      await w.settle();
      const workers = w.spawnMany(2 * w.n);
      for (const p of workers) await p.join("pool");
      await w.settle();
      for (let from = 0; from < w.n; from++) {
        const chosen: string[] = [];
        for (let i = 0; i < 2 * workers.length; i++) {
          const member = await w.on(from).dispatch("pool", { job: i, from });
          chosen.push(member.id);
        }
        const counts = Object.values(countBy(chosen));
        assert.deepEqual(
          counts,
          workers.map(() => 2),
          `every worker twice, from node ${from}`,
        );
      }
      for (const worker of workers) await w.received(worker, 2 * w.n);
    });

    it("local-first picks a member on this node when there is one, else another", async () => {
      const w = world();
      await w.on(0).createGroup("svc");
      await w.settle();
      const only = w.spawn(w.n - 1, "only");
      await only.join("svc");
      await w.settle();
      for (let k = 0; k < w.n; k++) {
        const picked = await w.on(k).pick("svc", { strategy: "local-first" });
        assert.equal(picked.id, "only");
        assert.equal(picked.isLocal, k === w.n - 1);
      }
      const locals = Array.from({ length: w.n }, (_, k) => w.spawn(k, `local${k}`));
      for (const p of locals) await p.join("svc");
      await w.settle();
      for (let k = 0; k < w.n - 1; k++) {
        for (let i = 0; i < 3; i++) {
          const member = await w.on(k).dispatch("svc", "work", { strategy: "local-first" });
          assert.equal(member.id, `local${k}`);
          assert.ok(member.isLocal);
        }
      }
    });

    it("random picks among the addressed members only", async () => {
      const w = world();
      await w.on(0).createGroup("svc");
      await w.settle();
      const eu = w.spawn(0, "eu");
      const us = w.spawn(1, "us");
      await eu.join("svc", { topics: ["region.eu"] });
      await us.join("svc", { topics: ["region.us"] });
      await w.settle();
      for (let i = 0; i < 10; i++) {
        const picked: MemberRef = await w.on(0).pick("svc", { strategy: "random", topic: "region.us" });
        assert.equal(picked.id, "us");
      }
      const seen = new Set<string>();
      for (let i = 0; i < 60; i++) seen.add((await w.on(0).pick("svc", { strategy: "random" })).id);
      assert.deepEqual(sorted([...seen]), ["eu", "us"]);
    });

    it("passes over a member whose mailbox refuses, to the next", async () => {
      const w = world();
      await w.on(0).createGroup("pool");
      await w.settle();
      const full = w.spawn(w.n - 1, "full", () => new Promise(() => undefined), {
        mailbox: { capacity: 1, overflow: "reject" },
      });
      const free = w.spawn(0, "free");
      await full.join("pool");
      await free.join("pool");
      await w.settle();
      const ref = w.cluster.nodes[0]!.actorAt(w.scope, full.id, nodeIdOf(w, full.node));
      await ref.send("occupy");
      await ref.send("queued");
      for (let i = 0; i < 4; i++) assert.equal((await w.on(0).dispatch("pool", `job${i}`)).id, "free");
      await eventually("free to get every job", () => free.received.length === 4, 5_000);
    });

    it("fails with GroupEmptyError when no member is addressed; refuses bad input", async () => {
      const w = world();
      await w.on(0).createGroup("pool");
      await w.settle();
      await rejectsWith(w.on(0).dispatch("pool", "x"), GroupEmptyError, "GROUP_EMPTY", [
        "pool",
        ...scopeWords(w.scope),
      ]);
      await rejectsWith(w.on(0).pick("pool"), GroupEmptyError, "GROUP_EMPTY", ["pool"]);
      const p = w.spawn(0, "p");
      await p.join("pool", { topics: ["a.b"] });
      await w.settle();
      await rejectsWith(w.on(0).dispatch("pool", "x", { topic: "c.d" }), GroupEmptyError, "GROUP_EMPTY", [
        "c.d",
      ]);
      await rejectsWith(
        // @ts-expect-error: not a strategy
        w.on(0).dispatch("pool", "x", { strategy: "closest" }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
        ["strategy"],
      );
      await rejectsWith(w.on(0).dispatch("nope", "x"), GroupNotFoundError, "GROUP_NOT_FOUND", ["nope"]);
      await rejectsWith(w.on(0).dispatch("pool", undefined), InvalidArgumentError, "INVALID_ARGUMENT");
      await w.flush();
      assert.deepEqual(p.received, []);
    });
  });
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
