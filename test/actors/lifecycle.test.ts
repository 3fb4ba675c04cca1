/**
 * How actors end: asked to stop, or failing under the `stop` policy (the default),
 * against `resume`; leaving every group at once whatever their join counts; and
 * `shutdown`, after which every call is refused with SystemStoppedError.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import {
  ActorNotFoundError,
  type ActorRef,
  ActorSystem,
  type FailurePolicy,
  type MembershipEvent,
  NotAMemberError,
  type ProcessGroups,
  type Scope,
  SystemStoppedError,
} from "../../src/index.js";
import { rejectsWith } from "../conformance/world.js";
import { eventually, freshScope } from "../support/helpers.js";

class Boom extends Error {}

interface Fragile {
  readonly ref: ActorRef<string>;
  readonly handled: string[];
}

/** An actor that throws (or rejects, if async) on "boom" and records everything else. */
function fragile(
  system: ActorSystem,
  scope: Scope,
  onError: FailurePolicy | undefined,
  isAsync: boolean,
): Fragile {
  const handled: string[] = [];
  const options = { id: `fragile-${isAsync ? "async" : "sync"}`, ...scope, ...(onError && { onError }) };
  const ref = system.spawn<string>(options, (message) => {
    if (isAsync) {
      return (async () => {
        await Promise.resolve();
        if (message === "boom") throw new Boom("async boom");
        handled.push(message);
      })();
    }
    if (message === "boom") throw new Boom("sync boom");
    handled.push(message);
  });
  return { ref, handled };
}

/** Joins `ref` to three groups, one of them five times over. */
async function joinThree(groups: ProcessGroups, ref: ActorRef<string>): Promise<void> {
  for (const name of ["g1", "g2", "g3"]) {
    if ((await groups.listGroups({ pattern: name })).groups.length === 0) await groups.createGroup(name);
  }
  await groups.joinGroup("g1", ref);
  await groups.joinGroup("g2", ref, { topics: ["a.#"] });
  for (let i = 0; i < 5; i++) await groups.joinGroup("g3", ref);
}

async function groupsWith(groups: ProcessGroups, id: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of ["g1", "g2", "g3"]) if ((await groups.getMembers(name)).includes(id)) found.push(name);
  return found;
}

describe("an actor whose behaviour fails", () => {
  for (const isAsync of [false, true]) {
    const kind = isAsync ? "rejects" : "throws";

    it(`stops by default when its behaviour ${kind}, leaving every group`, async () => {
      const errors: unknown[] = [];
      await using system = new ActorSystem({ nodeId: "n", onActorError: (error) => errors.push(error) });
      const scope = freshScope();
      const groups = system.groups(scope);
      const actor = fragile(system, scope, undefined, isAsync);
      await joinThree(groups, actor.ref);
      const events: MembershipEvent[] = [];
      const controller = new AbortController();
      const watching = (async () => {
        for await (const e of groups.watch(undefined, { signal: controller.signal })) events.push(e);
      })();
      await actor.ref.send("before");
      await actor.ref.send("boom");
      void actor.ref.send("after").catch(() => undefined); // may be queued behind the failure
      const info = await actor.ref.stopped;
      assert.equal(info.reason, "failed");
      assert.ok(info.error instanceof Boom);
      assert.equal(actor.ref.isStopped, true);
      assert.deepEqual(await groupsWith(groups, actor.ref.id), []);
      await rejectsWith(actor.ref.send("later"), ActorNotFoundError, "ACTOR_NOT_FOUND", [actor.ref.id]);
      await groups.publishToGroup("g1", "published");
      assert.deepEqual(actor.handled, ["before"]);
      assert.equal(errors.length, 1);
      controller.abort();
      await watching;
      assert.deepEqual(events.map((e) => `${e.type}:${e.group}`).sort(), ["left:g1", "left:g2", "left:g3"]);
    });

    it(`resumes with the next message under onError 'resume' when its behaviour ${kind}`, async () => {
      const errors: unknown[] = [];
      await using system = new ActorSystem({ nodeId: "n", onActorError: (error) => errors.push(error) });
      const scope = freshScope();
      const groups = system.groups(scope);
      const actor = fragile(system, scope, "resume", isAsync);
      await joinThree(groups, actor.ref);
      for (const m of ["one", "boom", "two", "boom", "three"]) await actor.ref.send(m);
      await eventually("the messages after the failures", () => actor.handled.length === 3, 5_000);
      assert.deepEqual(actor.handled, ["one", "two", "three"]);
      assert.equal(actor.ref.isStopped, false);
      assert.deepEqual(await groupsWith(groups, actor.ref.id), ["g1", "g2", "g3"]);
      assert.equal(errors.length, 2);
      assert.ok(errors.every((e) => e instanceof Boom));
    });
  }
  it("survives an onActorError hook that throws: the publisher is not failed, the actor not wedged", () => {
    // Run in a child process: the hook's error surfaces as an uncaught exception there.
    const index = new URL("../../src/index.js", import.meta.url).href;
    const script = `
      import { ActorSystem } from ${JSON.stringify(index)};
      const uncaught = [];
      process.on("uncaughtException", (e) => uncaught.push(e.message));
      const system = new ActorSystem({ nodeId: "n", onActorError: () => { throw new Error("hook broke"); } });
      const scope = { tenantId: "t", namespace: "ns" };
      const groups = system.groups(scope);
      await groups.createGroup("g");
      const got = { stop: [], resume: [] };
      for (const onError of ["stop", "resume"]) {
        const ref = system.spawn({ id: onError, ...scope, onError }, (m) => {
          if (m === "boom") throw new Error("boom");
          got[onError].push(m);
        });
        await groups.joinGroup("g", ref);
      }
      let published = "resolved";
      await groups.publishToGroup("g", "boom").catch((e) => { published = e.message; });
      await groups.publishToGroup("g", "after");
      await new Promise((resolve) => setTimeout(resolve, 10));
      const members = await groups.getMembers("g");
      console.log(JSON.stringify({ published, got, members, uncaught }));
      await system.shutdown();
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), {
      published: "resolved",
      got: { stop: [], resume: ["after"] },
      members: ["resume"],
      uncaught: ["hook broke", "hook broke"],
    });
  });
});

describe("an actor that is stopped", () => {
  it("leaves every group at once, whatever its join counts, and its stopped promise resolves", async () => {
    await using system = new ActorSystem({ nodeId: "n" });
    const scope = freshScope();
    const groups = system.groups(scope);
    const handled: string[] = [];
    const ref = system.spawn<string>({ id: "quitter", ...scope }, (m) => {
      handled.push(m);
    });
    await joinThree(groups, ref);
    const stopped = ref.stopped; // asked for before the stop
    await ref.stop();
    assert.deepEqual(await stopped, { reason: "stopped" });
    assert.deepEqual(await ref.stopped, { reason: "stopped" }, "and when asked after");
    assert.deepEqual(await groupsWith(groups, "quitter"), []);
    assert.deepEqual(
      (await groups.listGroups()).groups.map((g) => g.memberCount),
      [0, 0, 0],
    );
    await rejectsWith(groups.leaveGroup("g3", ref), NotAMemberError, "NOT_A_MEMBER", ["quitter"]);
    assert.deepEqual(handled, []);
  });

  it("leaves a new actor of the same id alone when its stale ref is used to leave", async () => {
    await using system = new ActorSystem({ nodeId: "n" });
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const old = system.spawn({ id: "same", ...scope }, () => {});
    await groups.joinGroup("g", old);
    await old.stop();
    const fresh = system.spawn({ id: "same", ...scope }, () => {});
    await groups.joinGroup("g", fresh);
    await rejectsWith(groups.joinGroup("g", old), ActorNotFoundError, "ACTOR_NOT_FOUND", ["same"]);
    await rejectsWith(groups.leaveGroup("g", old), NotAMemberError, "NOT_A_MEMBER", ["same"]);
    assert.deepEqual(await groups.getMembers("g"), ["same"]);
    await groups.leaveGroup("g", fresh);
    assert.deepEqual(await groups.getMembers("g"), []);
  });

  it("drops what was queued for it when it stops mid-message", async () => {
    await using system = new ActorSystem({ nodeId: "n" });
    const handled: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ref = system.spawn<string>({ id: "busy", ...freshScope() }, async (m) => {
      handled.push(m);
      if (m === "first") await gate;
    });
    await ref.send("first");
    await ref.send("queued");
    assert.equal(ref.mailboxSize, 1);
    await ref.stop();
    release();
    await gate;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(handled, ["first"]);
    assert.equal(ref.mailboxSize, 0);
  });
});

describe("shutdown", () => {
  it("stops every actor, ends every watch, and refuses every later call with SystemStoppedError", async () => {
    const system = new ActorSystem({ nodeId: "closing" });
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const refs = Array.from({ length: 3 }, (_, i) => system.spawn({ id: `a${i}`, ...scope }, () => {}));
    const other = system.spawn({ id: "elsewhere", ...freshScope() }, () => {});
    for (const ref of refs) await groups.joinGroup("g", ref);
    const watch = groups.watch("g");
    const pending = watch.next();
    const first = system.shutdown();
    assert.equal(system.shutdown(), first, "idempotent: the same promise");
    await first;
    assert.equal(system.isStopped, true);
    for (const ref of [...refs, other]) {
      assert.deepEqual(await ref.stopped, { reason: "shutdown" });
      await assert.rejects(
        ref.send("late"),
        (e: unknown) => e instanceof ActorNotFoundError || e instanceof SystemStoppedError,
      );
    }
    // The watch saw the members leave or simply ended; either way it is over.
    let next = await pending;
    while (!next.done) next = await watch.next();
    const stopped = (e: unknown) =>
      e instanceof SystemStoppedError && e.code === "SYSTEM_STOPPED" && e.message.includes("closing");
    assert.throws(() => system.spawn({ id: "new", ...scope }, () => {}), stopped);
    assert.throws(() => system.groups(scope), stopped);
    await assert.rejects(groups.createGroup("h"), stopped);
    await assert.rejects(groups.deleteGroup("g"), stopped);
    await assert.rejects(groups.joinGroup("g", "a0"), stopped);
    await assert.rejects(groups.leaveGroup("g", "a0"), stopped);
    await assert.rejects(groups.getMembers("g"), stopped);
    await assert.rejects(groups.getLocalMembers("g"), stopped);
    await assert.rejects(groups.listGroups(), stopped);
    await assert.rejects(groups.publishToGroup("g", "m"), stopped);
    await assert.rejects(groups.watch().next(), stopped);
    await system[Symbol.asyncDispose](); // and disposing again is harmless
  });
});
