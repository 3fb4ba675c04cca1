/**
 * ErrorLog (src/error-log.ts), where a node's background errors go: to the `onError`
 * hook when one is given, otherwise to a writer, one line per kind per interval with a
 * count of what was held back. The writer and the interval are injected; the clock is
 * node:test's mocked Date.
 */
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { ErrorLog } from "../src/error-log.js";
import {
  BackendUnavailableError,
  GroupNotFoundError,
  InvalidArgumentError,
  type ProcessGroupError,
} from "../src/index.js";

const INTERVAL_MS = 1_000;

/** A log with no hook whose lines land in `lines`, under a clock the test moves. */
function writingLog(t: TestContext): { log: ErrorLog; lines: string[] } {
  t.mock.timers.enable({ apis: ["Date"], now: 1_000_000 });
  const lines: string[] = [];
  const log = new ErrorLog("node-1", undefined, (line) => lines.push(line), INTERVAL_MS);
  return { log, lines };
}

const scope = { tenantId: "t", namespace: "ns" };

describe("ErrorLog with an onError hook", () => {
  it("hands every error to the hook and writes nothing", () => {
    const heard: ProcessGroupError[] = [];
    const lines: string[] = [];
    const log = new ErrorLog(
      "node-1",
      (error) => heard.push(error),
      (line) => lines.push(line),
      INTERVAL_MS,
    );
    const ours = new GroupNotFoundError("g", scope);
    for (let i = 0; i < 3; i++) log.report(ours);
    assert.equal(heard.length, 3);
    assert.ok(
      heard.every((error) => error === ours),
      "our own errors arrive as they are",
    );
    assert.deepEqual(lines, []);
  });

  it("wraps an error that is not ours in a BackendUnavailableError whose cause is the original", () => {
    const heard: ProcessGroupError[] = [];
    const log = new ErrorLog(
      "node-1",
      (error) => heard.push(error),
      () => assert.fail("nothing written"),
    );
    const original = new Error("ECONNREFUSED 127.0.0.1:6379");
    log.report(original);
    log.report("a string thrown");
    assert.equal(heard.length, 2);
    const [first, second] = heard;
    assert.ok(first instanceof BackendUnavailableError);
    assert.equal(first.code, "BACKEND_UNAVAILABLE");
    assert.equal(first.cause, original);
    assert.ok(first.message.includes("ECONNREFUSED"), first.message);
    assert.ok(second instanceof BackendUnavailableError);
    assert.equal(second.cause, "a string thrown");
    assert.ok(second.message.includes("a string thrown"), second.message);
  });

  it("does not let a throwing hook throw out of report", () => {
    let calls = 0;
    const log = new ErrorLog("node-1", () => {
      calls++;
      throw new Error("hook broke");
    });
    assert.doesNotThrow(() => log.report(new Error("first")));
    assert.doesNotThrow(() => log.report(new InvalidArgumentError("x", "y")));
    assert.equal(calls, 2);
  });
});

describe("ErrorLog without an onError hook", () => {
  it("writes one line for the first error of a kind, naming the node and the code", (t) => {
    const { log, lines } = writingLog(t);
    log.report(new Error("connection lost"));
    assert.deepEqual(lines, ["chorus[node-1] BACKEND_UNAVAILABLE: Redis: connection lost\n"]);
  });

  it("holds back later errors of a kind within the interval and counts them in its next line", (t) => {
    const { log, lines } = writingLog(t);
    log.report(new Error("one"));
    t.mock.timers.tick(INTERVAL_MS - 1);
    log.report(new Error("two"));
    log.report(new Error("three"));
    assert.equal(lines.length, 1, "both held back");
    t.mock.timers.tick(1);
    log.report(new Error("four"));
    assert.equal(lines.length, 2);
    assert.equal(lines[1], "chorus[node-1] BACKEND_UNAVAILABLE: Redis: four (2 more held back)\n");
    // The count starts again after a line that carried it.
    t.mock.timers.tick(INTERVAL_MS);
    log.report(new Error("five"));
    assert.equal(lines[2], "chorus[node-1] BACKEND_UNAVAILABLE: Redis: five\n");
  });

  it("writes each kind independently of the others", (t) => {
    const { log, lines } = writingLog(t);
    log.report(new Error("down"));
    log.report(new GroupNotFoundError("g", scope));
    log.report(new Error("still down"));
    log.actorStopped("ActorRef(t/ns/a@node-1)", new Error("boom"));
    log.report(new GroupNotFoundError("h", scope));
    assert.deepEqual(
      lines.map((line) => line.split(":")[0]),
      ["chorus[node-1] BACKEND_UNAVAILABLE", "chorus[node-1] GROUP_NOT_FOUND", "chorus[node-1] ACTOR_FAILED"],
    );
  });

  it("writes an ACTOR_FAILED line for an actor stopped by its behaviour, with the error", (t) => {
    const { log, lines } = writingLog(t);
    const error = new Error("behaviour exploded");
    log.actorStopped("ActorRef(t/ns/a@node-1)", error);
    log.actorStopped("ActorRef(t/ns/b@node-1)", "not an Error");
    assert.equal(lines.length, 1, "the second is held back: same kind, same interval");
    const [line] = lines;
    assert.ok(line?.startsWith("chorus[node-1] ACTOR_FAILED: actor ActorRef(t/ns/a@node-1) stopped"), line);
    assert.ok(line?.includes("behaviour exploded"), line);
    t.mock.timers.tick(INTERVAL_MS);
    log.actorStopped("ActorRef(t/ns/c@node-1)", "not an Error");
    assert.ok(lines[1]?.includes("threw not an Error (1 more held back)"), lines[1]);
  });

  it("survives a writer that throws", () => {
    const log = new ErrorLog("node-1", undefined, () => {
      throw new Error("stderr closed");
    });
    assert.doesNotThrow(() => log.report(new Error("lost")));
    assert.doesNotThrow(() => log.actorStopped("a", new Error("lost")));
  });
});

describe("ErrorLog.count", () => {
  it("counts every report, whether handed to a hook, written or held back", (t) => {
    const { log } = writingLog(t);
    for (let i = 0; i < 5; i++) log.report(new Error(`e${i}`));
    assert.equal(log.count, 5);
    const hooked = new ErrorLog("node-1", () => {
      throw new Error("even a throwing hook");
    });
    hooked.report(new Error("a"));
    hooked.report(new InvalidArgumentError("x", "y"));
    assert.equal(hooked.count, 2);
  });
});
