/**
 * Conformance cases for watch (created / deleted / joined / left, and the ways a watch
 * ends) and for the lifecycle rule that a stopped actor leaves every group at once.
 *
 * Every watch here carries a timeout signal, so a missing event ends the loop and
 * fails the assertion instead of hanging the run.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GroupNotFoundError, InvalidNameError, type MembershipEvent } from "../../src/index.js";
import { rejectsWith, scopeWords, type World } from "./world.js";

const DEADLINE_MS = 10_000;

/** Reads up to `count` events; fewer if the watch ends first. */
async function take(events: AsyncIterator<MembershipEvent>, count: number): Promise<MembershipEvent[]> {
  const out: MembershipEvent[] = [];
  while (out.length < count) {
    const next = await events.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

export function watchCases(world: () => World): void {
  describe("watch", () => {
    it("reports created, joined, left and deleted for the whole scope, with the host's node id", async () => {
      const w = world();
      const events = w.on(0).watch(undefined, { signal: AbortSignal.timeout(DEADLINE_MS) });
      await w.on(0).createGroup("g");
      await w.settle();
      const a = w.spawn(w.n - 1);
      await a.join("g");
      await a.join("g"); // a second join is no new membership: no event
      await w.settle();
      await a.leave("g");
      await a.leave("g");
      await w.settle();
      await w.on(0).deleteGroup("g");
      await w.settle();
      const nodeId = w.cluster.nodes[a.node]!.nodeId;
      assert.deepEqual(await take(events, 4), [
        { type: "created", group: "g" },
        { type: "joined", group: "g", actorId: a.id, nodeId },
        { type: "left", group: "g", actorId: a.id, nodeId },
        { type: "deleted", group: "g" },
      ]);
      await events.return?.();
    });

    it("watches one group only, and ends when that group is deleted", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.on(0).createGroup("other");
      await w.settle();
      const seen: MembershipEvent[] = [];
      const signal = AbortSignal.timeout(DEADLINE_MS);
      const done = (async () => {
        for await (const event of w.on(0).watch("g", { signal })) {
          seen.push(event);
        }
      })();
      done.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
      const a = w.spawn(0);
      await a.join("other");
      await a.join("g");
      await w.settle();
      await w.on(0).deleteGroup("other");
      await w.on(0).deleteGroup("g");
      await w.settle();
      await done;
      assert.equal(signal.aborted, false, "the deletion ended the watch, not its deadline");
      assert.deepEqual(
        seen.map((e) => e.type),
        ["joined", "deleted"],
      );
      assert.ok(seen.every((e) => e.group === "g"));
    });

    it("ends when its signal aborts, and at once when it is already aborted", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const controller = new AbortController();
      const events = w.on(0).watch("g", { signal: controller.signal });
      const pending = events.next();
      controller.abort();
      assert.deepEqual(await pending, { done: true, value: undefined });
      const aborted = w.on(0).watch(undefined, { signal: AbortSignal.abort() });
      assert.equal((await aborted.next()).done, true);
    });

    it("ends when the loop breaks", async () => {
      const w = world();
      await w.on(0).createGroup("g");
      await w.settle();
      const events = w.on(0).watch("g", { signal: AbortSignal.timeout(DEADLINE_MS) });
      const a = w.spawn(0);
      await a.join("g");
      await w.settle();
      for await (const event of events) {
        assert.equal(event.type, "joined");
        break;
      }
      await a.leave("g");
      await w.settle();
      assert.equal((await events.next()).done, true, "no event after the loop broke");
    });

    it("rejects the first read with GroupNotFoundError for a missing group", async () => {
      const w = world();
      const events = w.on(0).watch("missing", { signal: AbortSignal.timeout(DEADLINE_MS) });
      await rejectsWith(events.next(), GroupNotFoundError, "GROUP_NOT_FOUND", [
        "missing",
        ...scopeWords(w.scope),
      ]);
      assert.equal((await events.next()).done, true, "and is over after that");
      const bad = w.on(0).watch("Bad Name");
      await rejectsWith(bad.next(), InvalidNameError, "INVALID_NAME");
    });
  });

  describe("an actor that stops", () => {
    it("leaves every group at once on every node, whatever its join counts, and receives nothing", async () => {
      const w = world();
      for (const name of ["g1", "g2", "g3"]) await w.on(0).createGroup(name);
      await w.settle();
      const peers = w.spawnMany(w.n + 1);
      const victim = peers[peers.length - 1]!;
      for (const p of peers) {
        await p.join("g1");
        await p.join("g2", { topics: ["x"] });
      }
      for (let i = 0; i < 5; i++) await victim.join("g3");
      const events = w.on(0).watch(undefined, { signal: AbortSignal.timeout(DEADLINE_MS) });
      await victim.ref.stop();
      assert.deepEqual(await victim.ref.stopped, { reason: "stopped" });
      await w.settle();
      const left = await take(events, 3);
      assert.deepEqual(left.map((e) => [e.type, e.group, "actorId" in e ? e.actorId : undefined]).sort(), [
        ["left", "g1", victim.id],
        ["left", "g2", victim.id],
        ["left", "g3", victim.id],
      ]);
      await events.return?.();
      const others = peers.filter((p) => p !== victim).map((p) => p.id);
      await w.expectMembers("g1", others);
      await w.expectMembers("g2", others);
      await w.expectMembers("g3", []);
      const result = await w.on(0).publishToGroup("g1", "after");
      assert.ok(!result.recipients.includes(victim.id));
      await w.flush();
      assert.deepEqual(victim.received, []);
    });
  });
}
