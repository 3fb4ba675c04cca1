/**
 * The pure rules a scope's replica follows (src/cluster/redis/replica-rules.ts): what to
 * do with a change event given the view's epoch and cursor, and which groups a snapshot
 * ends when it replaces the view. No Redis: tables of inputs and verdicts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { endedGroups, judgeEvent, type Verdict } from "../../src/cluster/redis/replica-rules.js";
import type { ChangeEvent } from "../../src/cluster/redis/wire.js";

// Epochs are Redis TIME in microseconds, as decimal strings.
const EPOCH = "1700000000000000";

function event(e: string, s: number): ChangeEvent {
  return { e, s, c: [] };
}

describe("judgeEvent", () => {
  const cases: readonly { what: string; e: string; s: number; cursor: number; verdict: Verdict }[] = [
    { what: "applies the next number of its own epoch", e: EPOCH, s: 8, cursor: 7, verdict: "apply" },
    { what: "applies the first change to an empty view", e: EPOCH, s: 1, cursor: 0, verdict: "apply" },
    { what: "skips a change at the cursor", e: EPOCH, s: 7, cursor: 7, verdict: "skip" },
    { what: "skips a change below the cursor", e: EPOCH, s: 3, cursor: 7, verdict: "skip" },
    { what: "resyncs past a gap of one lost change", e: EPOCH, s: 9, cursor: 7, verdict: "resync" },
    { what: "resyncs past a wide gap", e: EPOCH, s: 1_000, cursor: 7, verdict: "resync" },
    {
      what: "skips an older epoch of the same length, whatever its number",
      e: "1699999999999999",
      s: 8,
      cursor: 7,
      verdict: "skip",
    },
    {
      what: "skips an older, shorter epoch even though it sorts higher as text",
      e: "999999999999999",
      s: 8,
      cursor: 7,
      verdict: "skip",
    },
    {
      what: "resyncs on a newer epoch of the same length, even at the next number",
      e: "1700000000000001",
      s: 8,
      cursor: 7,
      verdict: "resync",
    },
    {
      what: "resyncs on a newer epoch of the same length below the cursor",
      e: "1700000000000001",
      s: 1,
      cursor: 7,
      verdict: "resync",
    },
    {
      what: "resyncs on a newer, longer epoch even though it sorts lower as text",
      e: "10000000000000000",
      s: 1,
      cursor: 7,
      verdict: "resync",
    },
  ];

  for (const c of cases) {
    it(`${c.what} (epoch ${c.e}, seq ${c.s}, cursor ${c.cursor} → ${c.verdict})`, () => {
      assert.equal(judgeEvent(event(c.e, c.s), EPOCH, c.cursor), c.verdict);
    });
  }
});

describe("endedGroups", () => {
  const shown = new Map([
    ["a", "100"],
    ["b", "200"],
    ["c", "300"],
  ]);

  it("ends nothing when every group keeps its epoch, and ignores groups it never showed", () => {
    const next = new Map([...shown, ["new", "400"]]);
    assert.deepEqual(endedGroups(shown, next), { recreated: [], gone: [] });
  });

  it("counts a deleted group as gone and not as re-created", () => {
    const next = new Map([
      ["a", "100"],
      ["c", "300"],
    ]);
    assert.deepEqual(endedGroups(shown, next), { recreated: [], gone: ["b"] });
  });

  it("counts a re-created group (a new epoch) as both re-created and gone", () => {
    const next = new Map([
      ["a", "100"],
      ["b", "250"],
      ["c", "300"],
    ]);
    assert.deepEqual(endedGroups(shown, next), { recreated: ["b"], gone: ["b"] });
  });

  it("tells kept, deleted and re-created groups apart in one snapshot", () => {
    const next = new Map([
      ["a", "101"],
      ["c", "300"],
    ]);
    assert.deepEqual(endedGroups(shown, next), { recreated: ["a"], gone: ["a", "b"] });
  });

  it("ends every group when the snapshot is empty", () => {
    assert.deepEqual(endedGroups(shown, new Map()), { recreated: [], gone: ["a", "b", "c"] });
  });
});
