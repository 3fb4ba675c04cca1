/**
 * The wire format of group messages between nodes (src/cluster/redis/outbox.ts): runs
 * sharing one header (format 2), the older one header per message (format 1), a node's
 * own echo, and malformed parts, which are skipped without affecting the rest.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeBatch } from "../../src/cluster/redis/outbox.js";

describe("group message wire format", () => {
  it("reads runs that share one header, in order", () => {
    const raw = 'n2\n2[["s","g",null,[],[1,{"a":2},"x"]],["s","g","t.u",["b"],[3]]]';
    const runs = decodeBatch(raw, "n1");
    assert.deepEqual(
      runs.map(({ scopeId, run }) => [scopeId, run.group, run.topic, [...run.exclude], run.messages]),
      [
        ["s", "g", undefined, [], [1, { a: 2 }, "x"]],
        ["s", "g", "t.u", ["b"], [3]],
      ],
    );
  });

  it("still reads one header per message", () => {
    const runs = decodeBatch('n2\n[["s","g",null,[],1],["s","g","t",["b",7],2]]', "n1");
    assert.deepEqual(
      runs.map(({ run }) => [run.topic, [...run.exclude], run.messages]),
      [
        [undefined, [], [1]],
        ["t", ["b"], [2]],
      ],
    );
  });

  it("drops a node's own echo", () => {
    assert.deepEqual(decodeBatch('n1\n2[["s","g",null,[],[1]]]', "n1"), []);
  });

  it("skips malformed runs and keeps the well-formed ones", () => {
    const raw =
      'n2\n2[5,["s","g",null,[]],["s",1,null,[],[1]],["s","g",null,{},[1]],["s","g",null,[],7],["s","g",null,[],[]],["s","g",null,[],[9]]]';
    assert.deepEqual(
      decodeBatch(raw, "n1").map(({ run }) => run.messages),
      [[9]],
    );
    assert.deepEqual(decodeBatch("no newline", "n1"), []);
    assert.deepEqual(decodeBatch('n2\n2{"a":1}', "n1"), []);
  });
});
