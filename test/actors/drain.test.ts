/**
 * Graceful shutdown: `shutdown({ drain: true })` lets every mailbox empty before the
 * actors stop, bounded by `timeoutMs`, and refuses new calls meanwhile; without drain
 * an actor stops after the message in hand and what was queued for it is dropped.
 * Slow behaviours wait on a gate the test opens, never on a timer.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ActorRef,
  ActorSystem,
  type ProcessGroups,
  type ShutdownOptions,
  SystemStoppedError,
} from "../../src/index.js";
import { rejectsWith } from "../conformance/world.js";
import { eventually, freshScope } from "../support/helpers.js";
import { throwsWith } from "../support/refusals.js";

interface Slow {
  readonly system: ActorSystem;
  readonly groups: ProcessGroups;
  readonly ref: ActorRef<string>;
  /** Messages whose handling began. */
  readonly started: string[];
  /** Messages whose handling finished. */
  readonly handled: string[];
  /** Opens the gate: the message in hand finishes, and every later one passes at once. */
  readonly release: () => void;
}

/**
 * A system with one actor, a member of group "g", whose async behaviour waits at a gate
 * the test opens; it is handed "m1" and has "m2" (sent) and "m3" (published) queued.
 */
async function slowActor(): Promise<Slow> {
  const system = new ActorSystem({ nodeId: "draining" });
  const scope = freshScope();
  const groups = system.groups(scope);
  await groups.createGroup("g");
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const started: string[] = [];
  const handled: string[] = [];
  const ref = system.spawn<string>({ id: "slow", ...scope }, async (message) => {
    started.push(message);
    await gate;
    handled.push(message);
  });
  await groups.joinGroup("g", ref);
  await ref.send("m1");
  await ref.send("m2");
  await groups.publishToGroup("g", "m3");
  assert.deepEqual(started, ["m1"], "the first message is in hand");
  assert.equal(ref.mailboxSize, 2, "the others wait in the mailbox");
  return { system, groups, ref, started, handled, release };
}

describe("shutdown with drain", () => {
  it("lets a slow actor handle everything queued in its mailbox before it stops", async () => {
    const slow = await slowActor();
    const shutdown = slow.system.shutdown({ drain: true });
    assert.equal(slow.ref.isStopped, false, "the actor still runs while its mailbox drains");
    slow.release();
    await shutdown;
    assert.deepEqual(slow.handled, ["m1", "m2", "m3"]);
    assert.equal(slow.ref.mailboxSize, 0);
    assert.deepEqual(await slow.ref.stopped, { reason: "shutdown" });
    assert.equal(slow.system.status, "stopped");
  });

  it("refuses calls made during the drain with SystemStoppedError", async () => {
    const slow = await slowActor();
    const { system, groups, ref } = slow;
    const shutdown = system.shutdown({ drain: true });
    assert.equal(system.isStopped, true);
    throwsWith(
      () => system.spawn({ id: "late", ...groups.scope }, () => {}),
      SystemStoppedError,
      "SYSTEM_STOPPED",
    );
    throwsWith(() => system.groups(groups.scope), SystemStoppedError, "SYSTEM_STOPPED");
    await rejectsWith(groups.createGroup("h"), SystemStoppedError, "SYSTEM_STOPPED");
    await rejectsWith(groups.deleteGroup("g"), SystemStoppedError, "SYSTEM_STOPPED");
    await rejectsWith(groups.getGroup("g"), SystemStoppedError, "SYSTEM_STOPPED");
    await rejectsWith(groups.joinGroup("g", ref), SystemStoppedError, "SYSTEM_STOPPED");
    await rejectsWith(groups.leaveGroup("g", ref), SystemStoppedError, "SYSTEM_STOPPED");
    await rejectsWith(groups.getMembers("g"), SystemStoppedError, "SYSTEM_STOPPED");
    await rejectsWith(groups.getLocalMembers("g"), SystemStoppedError, "SYSTEM_STOPPED");
    await rejectsWith(groups.listGroups(), SystemStoppedError, "SYSTEM_STOPPED");
    await rejectsWith(groups.publishToGroup("g", "late"), SystemStoppedError, "SYSTEM_STOPPED");
    await rejectsWith(groups.watch().next(), SystemStoppedError, "SYSTEM_STOPPED");
    // The first call decides: a later one, even without drain, gets the same shutdown.
    assert.equal(system.shutdown(), shutdown);
    slow.release();
    await shutdown;
    assert.deepEqual(slow.handled, ["m1", "m2", "m3"], "the refused publish reached nobody");
  });

  it("lets a direct send made during the drain through, so conversations can finish", async () => {
    const slow = await slowActor();
    const shutdown = slow.system.shutdown({ drain: true });
    try {
      await slow.ref.send("late");
    } finally {
      slow.release();
      await shutdown;
    }
    assert.deepEqual(slow.handled, ["m1", "m2", "m3", "late"]);
  });

  // A guard against a hang if the bound breaks, not a measure of how long it takes.
  it("stops an actor whose behaviour never settles once timeoutMs is up", { timeout: 10_000 }, async () => {
    const system = new ActorSystem({ nodeId: "stuck" });
    const scope = freshScope();
    const started: string[] = [];
    const ref = system.spawn<string>({ id: "stuck", ...scope }, (message) => {
      started.push(message);
      return new Promise<void>(() => {}); // never settles
    });
    await ref.send("forever");
    await ref.send("queued");
    await system.shutdown({ drain: true, timeoutMs: 50 });
    assert.equal(ref.isStopped, true);
    assert.deepEqual(await ref.stopped, { reason: "shutdown" });
    assert.equal(ref.mailboxSize, 0, "what was still queued is dropped");
    assert.deepEqual(started, ["forever"]);
    assert.equal(system.status, "stopped");
  });
});

describe("shutdown without drain", () => {
  const cases: readonly { what: string; options: ShutdownOptions | undefined }[] = [
    { what: "by default", options: undefined },
    { what: "with drain: false", options: { drain: false } },
  ];
  for (const { what, options } of cases) {
    it(`stops an actor after the message in hand and drops what was queued (${what})`, async () => {
      const slow = await slowActor();
      const shutdown = slow.system.shutdown(options);
      assert.equal(slow.ref.isStopped, true, "stopped at once: nothing waits for the mailbox");
      await shutdown;
      assert.deepEqual(await slow.ref.stopped, { reason: "shutdown" });
      assert.equal(slow.ref.mailboxSize, 0);
      // The message in hand runs to its end; nothing after it starts.
      slow.release();
      await eventually("the message in hand to finish", () => slow.handled.length === 1, 5_000);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(slow.started, ["m1"]);
      assert.deepEqual(slow.handled, ["m1"]);
    });
  }
});
