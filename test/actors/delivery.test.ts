/**
 * The delivery loop reads actors from the dispatcher's table by slot, and a stopped
 * actor's slot is handed to a new actor once nothing can still deliver to it. These
 * tests change membership and spawn actors from inside a fan-out — the moments a slot
 * could be reused too early — and check that every message reaches exactly the
 * members it was published to, and that each behaviour sees its own message's group
 * and topic, synchronously and after an await.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { seeded } from "../../bench/seeded.js";
import type { ActorCell } from "../../src/actors/actor-cell.js";
import { BUSY, CellTable, IDLE } from "../../src/actors/cell-table.js";
import type { ActorContext, ActorRef } from "../../src/index.js";
import { eventually, freshScope, newSystem, recorder } from "../support/helpers.js";

const STOPPED_STATE = 2;

const system = newSystem("delivery-node");
after(() => system.shutdown());

describe("delivery by slot", () => {
  it("an actor stopped and replaced during a fan-out gets neither that message nor the next's", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const victim = recorder<string>(system, scope, "victim");
    let replacement: ReturnType<typeof recorder<string>> | undefined;
    // The first member stops the second and spawns a stranger while the loop is between them.
    const killer = system.spawn<string>({ id: "killer", ...scope }, (message) => {
      if (message !== "first") return;
      void victim.ref.stop();
      replacement = recorder<string>(system, scope, "stranger");
    });
    await groups.joinGroup("g", killer);
    await groups.joinGroup("g", victim.ref);
    await groups.publishToGroup("g", "first");
    await groups.publishToGroup("g", "second");
    assert.deepEqual(victim.received, []);
    assert.ok(replacement !== undefined);
    assert.deepEqual(replacement.received, [], "the stranger never joined");
    await replacement.ref.send("direct");
    assert.deepEqual(replacement.received, ["direct"]);
  });

  it("a queued fan-out does not reach an actor that took a stopped member's place", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    await groups.createGroup("other");
    const members = Array.from({ length: 3 }, (_, i) => recorder<string>(system, scope, `m${i}`));
    for (const m of members) await groups.joinGroup("g", m.ref);
    const strangers: ReturnType<typeof recorder<string>>[] = [];
    // A behaviour publishes to "g" (queued behind the current delivery), then stops
    // every member and spawns as many strangers before the queue drains.
    const trigger = system.spawn<string>({ id: "trigger", ...scope }, () => {
      void groups.publishToGroup("g", "queued");
      for (const m of members) void m.ref.stop();
      for (let i = 0; i < members.length; i++) strangers.push(recorder<string>(system, scope, `s${i}`));
    });
    await groups.joinGroup("other", trigger);
    await groups.publishToGroup("other", "go");
    await new Promise((resolve) => setImmediate(resolve));
    for (const m of members) assert.deepEqual(m.received, []);
    for (const s of strangers) assert.deepEqual(s.received, []);
    // Once idle, slots are reused, and deliveries go to whoever holds them now.
    for (const s of strangers) await groups.joinGroup("g", s.ref);
    await groups.publishToGroup("g", "after");
    for (const s of strangers) assert.deepEqual(s.received, ["after"]);
    for (const m of members) assert.deepEqual(m.received, []);
  });

  it("actors spawned in bulk during a fan-out (the table grows) do not disturb it", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const members = Array.from({ length: 50 }, (_, i) => recorder<number>(system, scope, `m${i}`));
    const spawner = system.spawn<number>({ id: "spawner", ...scope }, (n) => {
      for (let i = 0; i < 3_000; i++) system.spawn({ id: `extra-${n}-${i}`, ...scope }, () => undefined);
    });
    await groups.joinGroup("g", spawner);
    for (const m of members) await groups.joinGroup("g", m.ref);
    await groups.publishToGroup("g", 1);
    await groups.publishToGroup("g", 2);
    for (const m of members) assert.deepEqual(m.received, [1, 2]);
  });

  it("a member that goes async is queued for, in order, while the others are handed messages at once", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const slow: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowRef = system.spawn<number>({ id: "slow", ...scope }, async (n) => {
      if (n === 0) await gate;
      slow.push(n);
    });
    const fast = recorder<number>(system, scope, "fast");
    await groups.joinGroup("g", slowRef);
    await groups.joinGroup("g", fast.ref);
    for (let n = 0; n < 5; n++) await groups.publishToGroup("g", n);
    assert.deepEqual(fast.received, [0, 1, 2, 3, 4]);
    assert.deepEqual(slow, []);
    release();
    await eventually("the slow member catches up", () => slow.length === 5, 5_000);
    assert.deepEqual(slow, [0, 1, 2, 3, 4]);
  });

  it("each behaviour reads its own message's group and topic, before and after an await", async () => {
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    await groups.createGroup("h");
    const seen: string[] = [];
    const note = (who: string, when: string, context: ActorContext) =>
      seen.push(`${who} ${when} ${context.group}/${context.topic}`);
    const syncRef = system.spawn({ id: "sync", ...scope }, (_m, context) => {
      note("sync", "now", context);
    });
    const asyncRef = system.spawn({ id: "async", ...scope }, async (_m, context) => {
      note("async", "before", context);
      await new Promise((resolve) => setImmediate(resolve));
      note("async", "after", context);
    });
    const refs: ActorRef[] = [syncRef, asyncRef];
    for (const ref of refs) {
      await groups.joinGroup("g", ref);
      await groups.joinGroup("h", ref);
    }
    await groups.publishToGroup("g", 1, { topic: "a.b" });
    await groups.publishToGroup("h", 2);
    await eventually(
      "the async actor handles both",
      () => seen.filter((s) => s.startsWith("async")).length === 4,
      5_000,
    );
    // A direct send has no group and no topic.
    await syncRef.send(3);
    assert.deepEqual(seen, [
      "sync now g/a.b",
      "async before g/a.b",
      "sync now h/undefined",
      "async after g/a.b",
      "async before h/undefined",
      "async after h/undefined",
      "sync now undefined/undefined",
    ]);
  });
});

describe("the table's count of actors not idle", () => {
  it("equals the slots whose state is not IDLE through busy, idle, stop and reuse", () => {
    const table = new CellTable();
    const recount = () => [...table.states.subarray(0, table.cells.length)].filter((s) => s !== IDLE).length;
    const cell = {} as ActorCell;
    const slots = Array.from({ length: 8 }, () => table.allocate(cell, () => undefined, {} as ActorContext));
    assert.equal(table.notIdle, 0);
    const next = seeded(7);
    for (let step = 0; step < 500; step++) {
      const slot = slots[Math.floor(next() * slots.length)]!;
      if (table.states[slot] === STOPPED_STATE) continue;
      const roll = next();
      if (roll < 0.4) table.setState(slot, BUSY);
      else if (roll < 0.8) table.setState(slot, IDLE);
      else {
        table.release(slot);
        table.recycle();
        slots[slots.indexOf(slot)] = table.allocate(cell, () => undefined, {} as ActorContext);
      }
      assert.equal(table.notIdle, recount(), `step ${step}`);
    }
  });
});
