/**
 * A node's status for health checks: StatusBoard (src/status.ts) on its own, and
 * ActorSystem.status and statusChanges() on an embedded system. Changes are read from
 * the time a reader is made; a reader ends when the node stops, its signal aborts or
 * its loop breaks, and one that does not read keeps only the newest changes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ActorSystem, InvalidArgumentError, type StatusChange } from "../src/index.js";
import { StatusBoard } from "../src/status.js";
import { throwsWith } from "./support/refusals.js";

// How many changes a reader that does not read keeps (MAX_PENDING in src/status.ts).
const KEPT = 64;

/** Reads a reader to its end. */
async function readAll(changes: AsyncIterable<StatusChange>): Promise<StatusChange[]> {
  const read: StatusChange[] = [];
  for await (const change of changes) read.push(change);
  return read;
}

describe("ActorSystem.status", () => {
  it("is ready for an embedded system and stopped once it has shut down", async () => {
    const system = new ActorSystem({ nodeId: "n" });
    assert.equal(system.status, "ready");
    await system.shutdown();
    assert.equal(system.status, "stopped");
  });
});

describe("ActorSystem.statusChanges", () => {
  it("yields the move to stopped at shutdown, then ends", async () => {
    const system = new ActorSystem({ nodeId: "n" });
    const changes = system.statusChanges();
    const reading = readAll(changes);
    await system.shutdown();
    const read = await reading;
    assert.equal(read.length, 1);
    assert.equal(read[0]?.status, "stopped");
    assert.equal(read[0]?.previous, "ready");
    assert.equal(typeof read[0]?.reason, "string");
    assert.ok(Number.isFinite(read[0]?.atMs));
  });

  it("ends at once when asked for after shutdown", async () => {
    const system = new ActorSystem({ nodeId: "n" });
    await system.shutdown();
    assert.deepEqual(await readAll(system.statusChanges()), []);
  });

  it("refuses options that are not an object and a signal that is not an AbortSignal", async () => {
    await using system = new ActorSystem({ nodeId: "n" });
    for (const options of ["x", 5, null, { signal: "soon" }, { signal: { aborted: false } }]) {
      throwsWith(() => system.statusChanges(options as never), InvalidArgumentError, "INVALID_ARGUMENT");
    }
  });
});

describe("StatusBoard", () => {
  it("starts at the status and reason it was made with", () => {
    const board = new StatusBoard("connecting", "starting");
    assert.equal(board.status, "connecting");
    assert.equal(board.reason, "starting");
  });

  it("yields only the changes made after the reader was made, in order", async () => {
    const board = new StatusBoard("connecting", "starting");
    board.set("ready", "connected"); // before: not seen
    const changes = board.changes();
    board.set("degraded", "Redis is unreachable");
    board.set("ready", "reconnected");
    board.set("stopped", "shut down");
    const read = await readAll(changes);
    assert.deepEqual(
      read.map(({ status, previous, reason }) => ({ status, previous, reason })),
      [
        { status: "degraded", previous: "ready", reason: "Redis is unreachable" },
        { status: "ready", previous: "degraded", reason: "reconnected" },
        { status: "stopped", previous: "ready", reason: "shut down" },
      ],
    );
  });

  it("wakes a reader that is waiting for the next change", async () => {
    const board = new StatusBoard("ready", "embedded");
    const changes = board.changes();
    const next = changes.next();
    board.set("degraded", "away");
    const result = await next;
    assert.equal(result.done, false);
    assert.equal(result.value?.status, "degraded");
  });

  it("yields nothing for a new reason under the same status, but keeps the reason", async () => {
    const board = new StatusBoard("degraded", "Redis is unreachable");
    const changes = board.changes();
    board.set("degraded", "a subscription is not confirmed");
    assert.equal(board.reason, "a subscription is not confirmed");
    board.set("stopped", "shut down");
    assert.deepEqual(
      (await readAll(changes)).map((c) => c.status),
      ["stopped"],
    );
  });

  it("ends a reader when its signal aborts, and one made with an aborted signal at once", async () => {
    const board = new StatusBoard("ready", "embedded");
    const controller = new AbortController();
    const changes = board.changes({ signal: controller.signal });
    const next = changes.next();
    controller.abort();
    assert.deepEqual(await next, { done: true, value: undefined });
    board.set("degraded", "after the abort");
    assert.deepEqual(await changes.next(), { done: true, value: undefined });
    assert.deepEqual(await readAll(board.changes({ signal: AbortSignal.abort() })), []);
  });

  it("ends a reader whose loop breaks: later changes do not reach it", async () => {
    const board = new StatusBoard("ready", "embedded");
    const changes = board.changes();
    board.set("degraded", "away");
    for await (const change of changes) {
      assert.equal(change.status, "degraded");
      break;
    }
    board.set("ready", "back");
    assert.deepEqual(await changes.next(), { done: true, value: undefined });
  });

  it("ends a reader whose loop breaks with changes still buffered", async () => {
    const board = new StatusBoard("ready", "embedded");
    const changes = board.changes();
    board.set("degraded", "away");
    board.set("ready", "back");
    for await (const change of changes) {
      assert.equal(change.status, "degraded");
      break;
    }
    assert.deepEqual(await changes.next(), { done: true, value: undefined });
  });

  it("ends a reader whose signal aborts with changes still buffered", async () => {
    const board = new StatusBoard("ready", "embedded");
    const controller = new AbortController();
    const changes = board.changes({ signal: controller.signal });
    board.set("degraded", "away");
    controller.abort();
    assert.deepEqual(await changes.next(), { done: true, value: undefined });
  });

  it(`keeps at most the newest ${KEPT} changes for a reader that does not read`, async () => {
    const board = new StatusBoard("ready", "embedded");
    const changes = board.changes();
    const made = 150;
    for (let i = 0; i < made; i++) board.set(i % 2 === 0 ? "degraded" : "ready", `change ${i}`);
    board.set("stopped", "shut down");
    const read = await readAll(changes);
    assert.equal(read.length, KEPT);
    // The newest survive: the last of the flapping ones, then the stop.
    const expected = [
      ...Array.from({ length: KEPT - 1 }, (_, k) => `change ${made - KEPT + 1 + k}`),
      "shut down",
    ];
    assert.deepEqual(
      read.map((c) => c.reason),
      expected,
    );
  });

  it("stays stopped: later sets change nothing and reach no reader", async () => {
    const board = new StatusBoard("ready", "embedded");
    const before = board.changes();
    board.set("stopped", "shut down");
    board.set("ready", "revived");
    board.set("degraded", "away");
    assert.equal(board.status, "stopped");
    assert.equal(board.reason, "shut down");
    assert.deepEqual(
      (await readAll(before)).map((c) => c.status),
      ["stopped"],
    );
    assert.deepEqual(await readAll(board.changes()), []);
  });

  it("refuses options that are not an object and a signal that is not an AbortSignal", () => {
    const board = new StatusBoard("ready", "embedded");
    for (const options of ["x", 5, true, null, { signal: "soon" }, { signal: { aborted: true } }]) {
      throwsWith(() => board.changes(options as never), InvalidArgumentError, "INVALID_ARGUMENT");
    }
  });
});
