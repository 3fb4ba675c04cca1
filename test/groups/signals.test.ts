/**
 * The `signal` every ProcessGroups operation accepts, on an embedded node: a signal
 * already aborted rejects the call with its reason and changes nothing (a publish
 * delivers nothing), a `signal` that is not an AbortSignal is refused with
 * InvalidArgumentError, and a live signal leaves the call as it would be without one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ActorSystem, InvalidArgumentError, type ProcessGroups, type Scope } from "../../src/index.js";
import { rejectsWith } from "../conformance/world.js";
import { eventually, type Recorder, recorder } from "../support/helpers.js";
import { setUp, state } from "../support/refusals.js";

/** What every operation's options share (CallOptions, which the public surface does not name). */
interface SignalOnly {
  readonly signal: AbortSignal;
}

interface Fixture {
  readonly system: ActorSystem;
  readonly scope: Scope;
  readonly groups: ProcessGroups;
  /** A member of "g" that records what it receives. */
  readonly listener: Recorder<string>;
  /** A live actor of the scope that is in no group. */
  readonly outsider: string;
}

/** setUp's scope (group "g", member "member") plus a recording member and an outsider. */
async function fixture(): Promise<Fixture> {
  const { system, scope, groups } = await setUp();
  const listener = recorder<string>(system, scope, "listener");
  await groups.joinGroup("g", listener.ref);
  system.spawn({ id: "outsider", ...scope }, () => {});
  return { system, scope, groups, listener, outsider: "outsider" };
}

/**
 * Checks that no publish reached the listener: a marker published after the act under
 * test arrives after anything the act delivered (per-publisher order).
 */
async function assertNothingDelivered(f: Fixture): Promise<void> {
  await f.groups.publishToGroup("g", "marker");
  await eventually("the marker", () => f.listener.received.includes("marker"), 5_000);
  assert.deepEqual(f.listener.received, ["marker"]);
}

interface Operation {
  readonly name: string;
  /** The call under test, with `options` passed as its options. */
  call(f: Fixture, options: SignalOnly): Promise<unknown>;
  /** What the call did when it went through, checked after a live-signal call. */
  took(f: Fixture, result: unknown): Promise<void>;
}

const operations: readonly Operation[] = [
  {
    name: "createGroup",
    call: (f, options) => f.groups.createGroup("new", options),
    took: async (f) => {
      assert.equal((await f.groups.getGroup("new")).name, "new");
    },
  },
  {
    name: "deleteGroup",
    call: (f, options) => f.groups.deleteGroup("g", options),
    took: async (f) => {
      assert.deepEqual((await f.groups.listGroups()).groups, []);
    },
  },
  {
    name: "getGroup",
    call: (f, options) => f.groups.getGroup("g", options),
    took: async (_f, result) => {
      assert.equal((result as { memberCount: number }).memberCount, 2);
    },
  },
  {
    name: "joinGroup",
    call: (f, options) => f.groups.joinGroup("g", f.outsider, options),
    took: async (f) => {
      assert.ok((await f.groups.getMembers("g")).includes(f.outsider));
    },
  },
  {
    name: "leaveGroup",
    call: (f, options) => f.groups.leaveGroup("g", "member", options),
    took: async (f) => {
      assert.ok(!(await f.groups.getMembers("g")).includes("member"));
    },
  },
  {
    name: "getMembers",
    call: (f, options) => f.groups.getMembers("g", options),
    took: async (_f, result) => {
      assert.deepEqual((result as string[]).sort(), ["listener", "member"]);
    },
  },
  {
    name: "getLocalMembers",
    call: (f, options) => f.groups.getLocalMembers("g", options),
    took: async (_f, result) => {
      assert.deepEqual((result as string[]).sort(), ["listener", "member"]);
    },
  },
  {
    name: "listGroups",
    call: (f, options) => f.groups.listGroups(options),
    took: async (_f, result) => {
      assert.deepEqual(
        (result as { groups: { name: string }[] }).groups.map((g) => g.name),
        ["g"],
      );
    },
  },
  {
    name: "publishToGroup",
    call: (f, options) => f.groups.publishToGroup("g", "hello", options),
    took: async (f) => {
      await eventually("the publish to be handled", () => f.listener.received.length === 1, 5_000);
      assert.deepEqual(f.listener.received, ["hello"]);
    },
  },
];

for (const op of operations) {
  describe(`${op.name} with a signal`, () => {
    it("rejects with the reason of a signal already aborted, changing nothing", async () => {
      const f = await fixture();
      const before = await state(f.groups);
      const reason = new Error(`${op.name} abandoned`);
      const controller = new AbortController();
      controller.abort(reason);
      await assert.rejects(op.call(f, { signal: controller.signal }), (error: unknown) => error === reason);
      assert.deepEqual(await state(f.groups), before);
      await assertNothingDelivered(f);
      await f.system.shutdown();
    });

    it("rejects with the default AbortError of a signal aborted without a reason", async () => {
      const f = await fixture();
      const before = await state(f.groups);
      const signal = AbortSignal.abort();
      await assert.rejects(op.call(f, { signal }), (error: unknown) => error === signal.reason);
      assert.equal((signal.reason as Error).name, "AbortError");
      assert.deepEqual(await state(f.groups), before);
      await f.system.shutdown();
    });

    it("refuses a signal that is not an AbortSignal with InvalidArgumentError, changing nothing", async () => {
      const f = await fixture();
      const before = await state(f.groups);
      for (const signal of ["soon", 5, { aborted: true, reason: "fake" }, new EventTarget()]) {
        await rejectsWith(op.call(f, { signal: signal as never }), InvalidArgumentError, "INVALID_ARGUMENT", [
          "signal",
        ]);
      }
      assert.deepEqual(await state(f.groups), before);
      await assertNothingDelivered(f);
      await f.system.shutdown();
    });

    it("goes through with a live signal as it would without one", async () => {
      const f = await fixture();
      const controller = new AbortController();
      const result = await op.call(f, { signal: controller.signal });
      await op.took(f, result);
      // Aborting after the call settled changes nothing either.
      controller.abort();
      await op.took(f, result);
      await f.system.shutdown();
    });
  });
}
