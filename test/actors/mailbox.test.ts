/**
 * Mailboxes: bounded, with an overflow policy per actor (drop the newest, drop the
 * oldest, or reject the send), drops counted per actor; and behaviours that handle one
 * message at a time, in arrival order, sync or async.
 *
 * A busy actor is made with a gate: its behaviour awaits a promise the test resolves,
 * so the mailbox fills deterministically, with no timing involved.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ActorRef, ActorSystem, MailboxFullError, type OverflowPolicy } from "../../src/index.js";
import { rejectsWith } from "../conformance/world.js";
import { eventually, freshScope, newSystem } from "../support/helpers.js";

interface Gated {
  readonly ref: ActorRef<number>;
  readonly received: number[];
  open(): void;
}

/** An actor that blocks on its first message until `open()` is called. */
function gated(
  system: ActorSystem,
  capacity: number | undefined,
  overflow: OverflowPolicy | undefined,
): Gated {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const received: number[] = [];
  const mailbox = {
    ...(capacity !== undefined && { capacity }),
    ...(overflow !== undefined && { overflow }),
  };
  const ref = system.spawn<number>({ id: "slow", ...freshScope(), mailbox }, async (message) => {
    received.push(message);
    if (received.length === 1) await gate;
  });
  return { ref, received, open };
}

/** Sends 1..count; the first is taken at once, the rest wait in (or overflow) the mailbox. */
async function fill(actor: Gated, count: number): Promise<PromiseSettledResult<void>[]> {
  const sends: Promise<void>[] = [];
  for (let i = 1; i <= count; i++) sends.push(actor.ref.send(i));
  return Promise.allSettled(sends);
}

describe("mailbox overflow", () => {
  it("drop-newest (the default) keeps the first messages and counts the rest as dropped", async () => {
    await using system = newSystem();
    const actor = gated(system, 3, undefined);
    const outcomes = await fill(actor, 6);
    assert.ok(
      outcomes.every((o) => o.status === "fulfilled"),
      "sends resolve even when dropped",
    );
    assert.equal(actor.ref.mailboxSize, 3);
    assert.equal(actor.ref.droppedCount, 2);
    actor.open();
    await eventually(
      "the backlog to drain",
      () => actor.received.length === 4 && actor.ref.mailboxSize === 0,
      5_000,
    );
    assert.deepEqual(actor.received, [1, 2, 3, 4]);
    await actor.ref.send(7);
    await eventually("a later message", () => actor.received.length === 5, 5_000);
    assert.deepEqual(actor.received, [1, 2, 3, 4, 7]);
    assert.equal(actor.ref.droppedCount, 2);
  });

  it("drop-oldest keeps the newest messages", async () => {
    await using system = newSystem();
    const actor = gated(system, 3, "drop-oldest");
    const outcomes = await fill(actor, 6);
    assert.ok(outcomes.every((o) => o.status === "fulfilled"));
    assert.equal(actor.ref.droppedCount, 2);
    actor.open();
    await eventually("the backlog to drain", () => actor.received.length === 4, 5_000);
    assert.deepEqual(actor.received, [1, 4, 5, 6]);
  });

  it("reject makes the send fail with MailboxFullError, changes nothing, and accepts again once drained", async () => {
    await using system = newSystem();
    const actor = gated(system, 3, "reject");
    const outcomes = await fill(actor, 6);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "fulfilled", "fulfilled", "fulfilled", "rejected", "rejected"],
    );
    const refusal = outcomes[4];
    assert.ok(refusal?.status === "rejected");
    assert.ok(refusal.reason instanceof MailboxFullError);
    assert.equal(refusal.reason.code, "MAILBOX_FULL");
    assert.equal(refusal.reason.capacity, 3);
    assert.match(refusal.reason.message, /'slow'/);
    assert.ok(refusal.reason.message.includes(actor.ref.tenantId));
    assert.equal(actor.ref.mailboxSize, 3, "a refused message takes no place");
    assert.equal(actor.ref.droppedCount, 2, "refusals are counted");
    await rejectsWith(actor.ref.send(99), MailboxFullError, "MAILBOX_FULL", ["slow"]);
    actor.open();
    await eventually(
      "the backlog to drain",
      () => actor.received.length === 4 && actor.ref.mailboxSize === 0,
      5_000,
    );
    await actor.ref.send(7);
    await eventually("a later message", () => actor.received.length === 5, 5_000);
    assert.deepEqual(actor.received, [1, 2, 3, 4, 7]);
  });

  it("holds 1 024 messages by default, and takes the system's default mailbox when given", async () => {
    await using system = newSystem();
    const actor = gated(system, undefined, undefined);
    await fill(actor, 1 + 1_024 + 10);
    assert.equal(actor.ref.mailboxSize, 1_024);
    assert.equal(actor.ref.droppedCount, 10);
    actor.open();
    await eventually("the backlog to drain", () => actor.received.length === 1_025, 5_000);
    assert.deepEqual(
      actor.received,
      Array.from({ length: 1_025 }, (_, i) => i + 1),
    );

    await using small = new ActorSystem({
      nodeId: "small",
      defaultMailbox: { capacity: 2, overflow: "reject" },
    });
    const other = gated(small, undefined, undefined);
    const outcomes = await fill(other, 4);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "fulfilled", "fulfilled", "rejected"],
    );
    other.open();
  });
});

describe("behaviours", () => {
  it("handle one message at a time, in arrival order, sync or async", async () => {
    await using system = newSystem();
    let active = 0;
    let maxActive = 0;
    const received: number[] = [];
    const ref = system.spawn<number>(
      { id: "ordered", ...freshScope(), mailbox: { capacity: 10_000 } },
      async (message) => {
        active++;
        maxActive = Math.max(maxActive, active);
        // A varying number of turns, some through the macrotask queue.
        for (let i = 0; i < message % 4; i++) await Promise.resolve();
        if (message % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
        received.push(message);
        active--;
      },
    );
    const expected = Array.from({ length: 2_000 }, (_, i) => i);
    for (const m of expected) await ref.send(m);
    await eventually("every message", () => received.length === expected.length, 5_000);
    assert.deepEqual(received, expected);
    assert.equal(maxActive, 1, "never two messages at once");
  });

  it("see their own sends after the message in hand, and get a context with self", async () => {
    await using system = newSystem();
    const log: string[] = [];
    const ref = system.spawn<string>({ id: "self", ...freshScope() }, (message, context) => {
      log.push(`${message}@${context.self.id}:${context.group}`);
      if (message === "first") {
        void context.self.send("from-inside");
        log.push("first-done");
      }
    });
    await ref.send("first");
    await ref.send("second");
    await eventually("both", () => log.length === 4, 5_000);
    assert.deepEqual(log, [
      "first@self:undefined",
      "first-done",
      "from-inside@self:undefined",
      "second@self:undefined",
    ]);
  });

  it("yield to the event loop in a long synchronous backlog", async () => {
    await using system = newSystem();
    const total = 200_000;
    let count = 0;
    let countWhenOthersRan = -1;
    const ref = system.spawn<number>({ id: "chatty", ...freshScope() }, (n, context) => {
      count++;
      if (n > 0) void (context.self as ActorRef<number>).send(n - 1);
    });
    setImmediate(() => {
      countWhenOthersRan = count;
    });
    await ref.send(total - 1);
    await eventually("the chain to finish", () => count === total, 20_000);
    assert.ok(countWhenOthersRan > 0 && countWhenOthersRan < total, `others ran at ${countWhenOthersRan}`);
  });
});
