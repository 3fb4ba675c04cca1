/**
 * ActorRef.ask in one process: the answer is what the behaviour returns or resolves to,
 * in order with the actor's other messages; a behaviour that throws rejects the ask
 * with AskFailedError and its failure policy applies; a slow actor times out; a stopped
 * one, a full mailbox and an aborted signal each reject at once with their own error.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ActorNotFoundError,
  AskFailedError,
  AskTimeoutError,
  InvalidArgumentError,
  MailboxFullError,
} from "../../src/index.js";
import { rejectsWith } from "../conformance/world.js";
import { freshScope, newSystem } from "../support/helpers.js";

function deferred(): { promise: Promise<void>; release: () => void } {
  let release = () => {};
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

describe("ask", () => {
  it("answers with what the behaviour returns, sync or async, in order with sends", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const seen: string[] = [];
    const sync = system.spawn<number, number>({ id: "double", ...scope }, (n) => n * 2);
    const slow = system.spawn<string, string>({ id: "slow", ...scope }, async (text) => {
      seen.push(text);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return text.toUpperCase();
    });
    assert.equal(await sync.ask(21), 42);
    const [first, , third] = await Promise.all([slow.ask("a"), slow.send("b"), slow.ask("c")]);
    assert.deepEqual([first, third], ["A", "C"]);
    assert.deepEqual(seen, ["a", "b", "c"], "one message at a time, in arrival order");
    const silent = system.spawn({ id: "silent", ...scope }, () => {});
    assert.equal(await silent.ask("anything"), undefined);
  });

  it("rejects with AskFailedError when the behaviour throws, and the failure policy applies", async () => {
    await using system = new (await import("../../src/index.js")).ActorSystem({
      nodeId: "n",
      onActorError: () => {},
    });
    const scope = freshScope();
    const resumes = system.spawn({ id: "resumes", ...scope, onError: "resume" }, (m) => {
      if (m === "boom") throw new Error("it broke");
      return "fine";
    });
    const failed = await resumes.ask("boom").catch((e: unknown) => e);
    assert.ok(failed instanceof AskFailedError);
    assert.equal(failed.code, "ASK_FAILED");
    assert.equal(failed.remoteMessage, "it broke");
    assert.equal(failed.actorId, "resumes");
    assert.equal(await resumes.ask("again"), "fine", "resumed");
    const stops = system.spawn({ id: "stops", ...scope }, async () => {
      throw new Error("async break");
    });
    await rejectsWith(stops.ask("x"), AskFailedError, "ASK_FAILED", ["async break"]);
    assert.deepEqual((await stops.stopped).reason, "failed");
  });

  it("rejects with AskTimeoutError when no answer comes in time", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const gate = deferred();
    const stuck = system.spawn({ id: "stuck", ...scope }, () => gate.promise);
    await rejectsWith(stuck.ask("x", { timeoutMs: 20 }), AskTimeoutError, "ASK_TIMEOUT", ["stuck", "20 ms"]);
    gate.release();
  });

  it("rejects at once for a stopped actor, and for asks still queued when it stops", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const gate = deferred();
    const busy = system.spawn({ id: "busy", ...scope }, () => gate.promise);
    void busy.send("first"); // holds the actor busy
    const queued = busy.ask("second");
    await busy.stop();
    await rejectsWith(queued, ActorNotFoundError, "ACTOR_NOT_FOUND", ["busy"]);
    await rejectsWith(busy.ask("after"), ActorNotFoundError, "ACTOR_NOT_FOUND");
    gate.release();
  });

  it("rejects with MailboxFullError when a full mailbox refuses or drops the ask", async () => {
    await using system = newSystem();
    const scope = freshScope();
    for (const overflow of ["reject", "drop-newest", "drop-oldest"] as const) {
      const gate = deferred();
      const ref = system.spawn(
        { id: `full-${overflow}`, ...scope, mailbox: { capacity: 1, overflow } },
        () => gate.promise,
      );
      void ref.send("in hand");
      const waiting = ref.ask("waiting");
      waiting.catch(() => undefined);
      const extra = ref.ask("one too many");
      extra.catch(() => undefined);
      // Refused or dropped: the newest under reject and drop-newest, the oldest under drop-oldest.
      const dropped = overflow === "drop-oldest" ? waiting : extra;
      await rejectsWith(dropped, MailboxFullError, "MAILBOX_FULL");
      gate.release();
      await ref.stop();
    }
  });

  it("rejects with the signal's reason when aborted, and refuses bad options", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const gate = deferred();
    const ref = system.spawn({ id: "waits", ...scope }, () => gate.promise);
    const stop = new AbortController();
    const asked = ref.ask("x", { signal: stop.signal });
    stop.abort(new Error("never mind"));
    await assert.rejects(asked, /never mind/);
    await assert.rejects(ref.ask("x", { signal: AbortSignal.abort(new Error("already")) }), /already/);
    for (const options of [
      { timeoutMs: 0 },
      { timeoutMs: 1.5 },
      { timeoutMs: "5" },
      { signal: {} },
      "fast",
    ]) {
      await rejectsWith(ref.ask("x", options as never), InvalidArgumentError, "INVALID_ARGUMENT");
    }
    await rejectsWith(ref.ask(undefined), InvalidArgumentError, "INVALID_ARGUMENT", ["message"]);
    gate.release();
  });
});
