/**
 * The wire format of group messages between nodes (src/cluster/redis/wire.ts): a
 * batch names its sender and its place in the sender's stream, runs share one header,
 * and malformed parts are skipped without affecting the rest.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decodeBatchHead,
  decodeControl,
  decodeEvent,
  decodeRuns,
  decodeSeal,
  encodeBatch,
  encodeControl,
  encodeMessage,
} from "../../src/cluster/redis/wire.js";

const scope = { tenantId: "t", namespace: "ns" };

function decode(raw: string) {
  const head = decodeBatchHead(raw);
  assert.ok(head, "a batch head");
  return { head, runs: decodeRuns(raw, head, "g") };
}

describe("group message wire format", () => {
  it("carries runs that share one header, in order, with the sender's stream and number", () => {
    const a = encodeMessage(scope, { group: "g", message: 1, topic: undefined, exclude: [] }, 1_000);
    const b = encodeMessage(scope, { group: "g", message: { a: 2 }, topic: "t.u", exclude: ["x"] }, 1_000);
    const raw = encodeBatch("n2", "s1", 7, [
      { header: a.header, bodies: [a.body, '"y"'] },
      { header: b.header, bodies: [b.body] },
    ]);
    const { head, runs } = decode(raw);
    assert.deepEqual([head.sender, head.stream, head.seq], ["n2", "s1", 7]);
    assert.deepEqual(
      runs.map((run) => [run.group, run.topic, [...run.exclude], run.messages]),
      [
        ["g", undefined, [], [1, "y"]],
        ["g", "t.u", ["x"], [{ a: 2 }]],
      ],
    );
  });

  it("refuses a message JSON cannot carry, and one over the size limit", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(
      () => encodeMessage(scope, { group: "g", message: cyclic, topic: undefined, exclude: [] }, 100),
      {
        code: "INVALID_ARGUMENT",
      },
    );
    assert.throws(
      () =>
        encodeMessage(scope, { group: "g", message: "x".repeat(200), topic: undefined, exclude: [] }, 100),
      {
        code: "PAYLOAD_TOO_LARGE",
      },
    );
  });

  it("skips malformed runs and keeps the well-formed ones", () => {
    const raw = "n2\ns 1\n[5,[null,[]],[null,{},[1]],[null,[],7],[null,[],[]],[null,[],[9]]]";
    assert.deepEqual(
      decode(raw).runs.map((run) => run.messages),
      [[9]],
    );
    assert.deepEqual(decode('n2\ns 1\n{"a":1}').runs, []);
    assert.deepEqual(decode("n2\ns 1\nnot json").runs, []);
  });

  it("has no head without a sender, a stream and a positive number", () => {
    for (const raw of ["no newline", "n2\n[1]", "n2\ns x\n[]", "n2\ns 0\n[]", "n2\ns -1\n[]", "n2\ns1\n[]"]) {
      assert.equal(decodeBatchHead(raw), null, raw);
    }
  });
});

describe("seals, change events and control messages", () => {
  it("reads a seal's group epoch, and nothing else as a seal", () => {
    assert.equal(decodeSeal("!\nabc"), "abc");
    assert.equal(decodeSeal("n2\ns 1\n[]"), null);
  });

  it("reads a change event, and null for anything that is not one", () => {
    assert.deepEqual(decodeEvent('{"e":"1","s":2,"c":[["g-","g"]],"a":"n1"}'), {
      e: "1",
      s: 2,
      c: [["g-", "g"]],
      a: "n1",
    });
    for (const raw of ["", "[]", "5", '{"e":1,"s":2,"c":[]}', '{"e":"1","s":"2","c":[]}', "{"]) {
      assert.equal(decodeEvent(raw), null, raw);
    }
  });

  it("round-trips acks and probes, and drops anything malformed", () => {
    const ack = { t: "ack", s: "t/ns", n: "n1", i: "5", e: "9", c: 3 } as const;
    assert.deepEqual(decodeControl(encodeControl(ack)), ack);
    assert.deepEqual(decodeControl(encodeControl({ t: "probe", s: "t/ns", n: "n2" })), {
      t: "probe",
      s: "t/ns",
      n: "n2",
    });
    for (const raw of ["{", "null", '{"t":"ack","s":"x"}', '{"t":"other"}'])
      assert.equal(decodeControl(raw), null);
  });
});
