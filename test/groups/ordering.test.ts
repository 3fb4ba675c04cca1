/**
 * Ordering and back-pressure: every member gets each publisher's messages in the order
 * they were published (per-publisher FIFO), whether the member is sync or async and
 * whether the publisher is the caller or a behaviour; and a slow member fills only its
 * own mailbox, dropping per its policy, while the publisher and the other members go on.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActorContext, ActorSystem, OverflowPolicy, ProcessGroups, Scope } from "../../src/index.js";
import { eventually, freshScope, newSystem } from "../support/helpers.js";

interface Stamp {
  readonly from: string;
  readonly seq: number;
}

interface Member {
  readonly id: string;
  readonly received: Stamp[];
  readonly dropped: () => number;
}

type Style = "sync" | "microtasks" | "macrotasks";

function member(system: ActorSystem, scope: Scope, id: string, style: Style): Member {
  const received: Stamp[] = [];
  const ref = system.spawn<Stamp>({ id, ...scope, mailbox: { capacity: 100_000 } }, (message) => {
    if (style === "sync") {
      received.push(message);
      return;
    }
    return (async () => {
      if (style === "microtasks") for (let i = 0; i < message.seq % 5; i++) await Promise.resolve();
      else if (message.seq % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
      received.push(message);
    })();
  });
  return { id, received, dropped: () => ref.droppedCount };
}

/** The seqs of one publisher, as a member received them. */
function seqsFrom(m: Member, from: string): number[] {
  return m.received.filter((s) => s.from === from).map((s) => s.seq);
}

describe("per-publisher FIFO", () => {
  it("holds for every member under thousands of publishes from the caller and from behaviours", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const members = [
      member(system, scope, "sync", "sync"),
      member(system, scope, "micro", "microtasks"),
      member(system, scope, "macro", "macrotasks"),
    ];
    for (const m of members) await groups.joinGroup("g", m.id);
    const evens = member(system, scope, "evens", "microtasks");
    await groups.joinGroup("g", evens.id, { topics: ["t.even"] });

    // Relays publish a burst from inside their behaviour each time they are poked;
    // one is sync and fire-and-forget, one awaits each publish.
    const RELAY_BURST = 50;
    const relayCounts = new Map<string, number>();
    const relay = (id: string, awaitEach: boolean) =>
      system.spawn<number>({ id, ...scope, mailbox: { capacity: 1_000 } }, (_poke, context: ActorContext) => {
        const send = (seq: number) =>
          groups.publishToGroup(
            "g",
            { from: id, seq },
            { topic: seq % 2 === 0 ? "t.even" : "t.odd", exclude: context.self },
          );
        if (!awaitEach) {
          for (let i = 0; i < RELAY_BURST; i++) {
            const seq = relayCounts.get(id) ?? 0;
            relayCounts.set(id, seq + 1);
            void send(seq);
          }
          return;
        }
        return (async () => {
          for (let i = 0; i < RELAY_BURST; i++) {
            const seq = relayCounts.get(id) ?? 0;
            relayCounts.set(id, seq + 1);
            await send(seq);
          }
        })();
      });
    const relays = [relay("relay-sync", false), relay("relay-async", true)];

    const PUBLISHES = 3_000;
    const pending: Promise<unknown>[] = [];
    for (let seq = 0; seq < PUBLISHES; seq++) {
      const publish = groups.publishToGroup(
        "g",
        { from: "caller", seq },
        { topic: seq % 2 === 0 ? "t.even" : "t.odd" },
      );
      if (seq % 10 === 0) await publish;
      else pending.push(publish);
      if (seq % 100 === 50) for (const r of relays) await r.send(seq);
    }
    await Promise.all(pending);
    const total = { caller: PUBLISHES, "relay-sync": 30 * RELAY_BURST, "relay-async": 30 * RELAY_BURST };
    const expectedCount = PUBLISHES + 2 * 30 * RELAY_BURST;
    await eventually(
      "every member to receive every publish",
      () =>
        members.every((m) => m.received.length === expectedCount) &&
        evens.received.length === expectedCount / 2,
      20_000,
    );
    for (const m of [...members, evens]) {
      assert.equal(m.dropped(), 0, `${m.id} dropped nothing`);
      for (const [from, count] of Object.entries(total)) {
        const all = Array.from({ length: count }, (_, i) => i);
        const want = m === evens ? all.filter((i) => i % 2 === 0) : all;
        assert.deepEqual(seqsFrom(m, from), want, `${m.id} from ${from}`);
      }
    }
  });
});

/** A member whose behaviour awaits a promise that is released only at the end. */
function stuck(system: ActorSystem, groups: ProcessGroups, scope: Scope, overflow: OverflowPolicy) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const received: Stamp[] = [];
  const ref = system.spawn<Stamp>(
    { id: "slow", ...scope, mailbox: { capacity: 10, overflow } },
    async (message) => {
      received.push(message);
      await gate;
    },
  );
  return { ref, received, release, join: () => groups.joinGroup("g", ref) };
}

describe("a slow member", () => {
  for (const overflow of ["drop-newest", "drop-oldest", "reject"] as const) {
    it(`fills only its own mailbox and drops per '${overflow}', never blocking the publisher or others`, async () => {
      await using system = newSystem();
      const scope = freshScope();
      const groups = system.groups(scope);
      await groups.createGroup("g");
      const slow = stuck(system, groups, scope, overflow);
      await slow.join();
      const fast = (["sync", "microtasks", "macrotasks"] as const).map((style) =>
        member(system, scope, style, style),
      );
      for (const m of fast) await groups.joinGroup("g", m.id);

      const PUBLISHES = 2_000;
      for (let seq = 0; seq < PUBLISHES; seq++) {
        const result = await groups.publishToGroup("g", { from: "p", seq });
        assert.equal(result.localCount, 4, "the slow member is still addressed");
        assert.equal(slow.received.length, 1, "the publish resolved while the slow member is stuck");
      }
      assert.equal(slow.ref.mailboxSize, 10);
      assert.equal(slow.ref.droppedCount, PUBLISHES - 1 - 10);
      await eventually(
        "the fast members to receive everything",
        () => fast.every((m) => m.received.length === PUBLISHES),
        20_000,
      );
      assert.equal(slow.received.length, 1, "still stuck while the others got everything");
      for (const m of fast) {
        assert.equal(m.dropped(), 0);
        assert.deepEqual(
          seqsFrom(m, "p"),
          Array.from({ length: PUBLISHES }, (_, i) => i),
        );
      }
      slow.release();
      await eventually("the slow member to drain", () => slow.received.length === 11, 5_000);
      const kept = slow.received.map((s) => s.seq);
      const expected =
        overflow === "drop-oldest"
          ? [0, ...Array.from({ length: 10 }, (_, i) => PUBLISHES - 10 + i)]
          : Array.from({ length: 11 }, (_, i) => i);
      assert.deepEqual(kept, expected);
    });
  }
});

describe("membership changes made during a delivery", () => {
  it("reach the publishes made after them, not the one being delivered", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const log: string[] = [];
    const record = (id: string) => (message: unknown) => {
      log.push(`${id}:${String(message)}`);
    };
    const late = system.spawn({ id: "late", ...scope }, record("late"));
    // Synchronous: the join and the publish happen while "x" is still being fanned out.
    const first = system.spawn<string>({ id: "first", ...scope }, (message) => {
      log.push(`first:${message}`);
      if (message !== "x") return;
      void groups.joinGroup("g", late);
      void groups.publishToGroup("g", "y");
    });
    await groups.joinGroup("g", first);
    const victim = system.spawn({ id: "victim", ...scope }, record("victim"));
    await groups.joinGroup("g", victim);
    await groups.publishToGroup("g", "x");
    await eventually("y to reach everyone", () => log.filter((l) => l.endsWith(":y")).length === 3, 5_000);
    assert.deepEqual(
      log.filter((l) => l.startsWith("late:")),
      ["late:y"],
      "the late joiner does not get the message being delivered when it joined",
    );
    assert.deepEqual(
      log.filter((l) => l.startsWith("victim:")),
      ["victim:x", "victim:y"],
    );
  });
});
