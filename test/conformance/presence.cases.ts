/**
 * Conformance cases for presence metadata: a join's `meta` seen with the member on
 * every node (members, describeMembers, watch), replaced by a later join or by
 * `updateMeta` without leaving, gone with the membership, and refused — changing
 * nothing — when it is too large or not JSON data.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  GroupNotFoundError,
  InvalidArgumentError,
  MAX_META_BYTES,
  type MembershipEvent,
  NotAMemberError,
  PayloadTooLargeError,
} from "../../src/index.js";
import { rejectsWith, scopeWords, type World } from "./world.js";

const DEADLINE_MS = 10_000;

async function take(events: AsyncIterator<MembershipEvent>, count: number): Promise<MembershipEvent[]> {
  const out: MembershipEvent[] = [];
  while (out.length < count) {
    const next = await events.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

const actorOf = (event: MembershipEvent): string => ("actorId" in event ? event.actorId : "");

export function presenceCases(world: () => World): void {
  describe("presence meta", () => {
    it("is seen with the member on every node, in members, describeMembers and watch", async () => {
      const w = world();
      await w.on(0).createGroup("svc");
      await w.settle();
      const events = w.on(0).watch("svc", { signal: AbortSignal.timeout(DEADLINE_MS) });
      const api = w.spawn(w.n - 1, "api");
      const plain = w.spawn(0, "plain");
      const meta = { address: "10.0.0.7:8080", version: "2.1.0", load: 0.25, tags: ["eu", null] };
      await api.join("svc", { meta });
      await plain.join("svc");
      await w.settle();
      for (let k = 0; k < w.n; k++) {
        const refs = await w.on(k).members("svc");
        assert.deepEqual(refs.find((r) => r.id === "api")?.meta, meta, `node ${k} sees api's meta`);
        assert.equal(refs.find((r) => r.id === "plain")?.meta, undefined);
        const info = await w.on(k).describeMembers("svc");
        assert.deepEqual(info.find((m) => m.actorId === "api")?.meta, meta);
        assert.equal("meta" in info.find((m) => m.actorId === "plain")!, false);
      }
      const nodeId = w.cluster.nodes[api.node]!.nodeId;
      // Events of members on different nodes may come in either order.
      const joined = (await take(events, 2)).sort((x, y) => actorOf(x).localeCompare(actorOf(y)));
      assert.deepEqual(joined, [
        { type: "joined", group: "svc", actorId: "api", nodeId, meta },
        { type: "joined", group: "svc", actorId: "plain", nodeId: w.cluster.nodes[0]!.nodeId },
      ]);
      await events.return?.();
    });

    it("is replaced by updateMeta or a later join, kept by a join without it, and goes with the membership", async () => {
      const w = world();
      await w.on(0).createGroup("svc");
      await w.settle();
      const events = w.on(0).watch("svc", { signal: AbortSignal.timeout(DEADLINE_MS) });
      const api = w.spawn(w.n - 1, "api");
      const nodeId = w.cluster.nodes[api.node]!.nodeId;
      const seen = async (k: number) => (await w.on(k).members("svc")).find((r) => r.id === "api")?.meta;
      await api.join("svc", { meta: { load: 1 } });
      await api.groups.updateMeta("svc", api.ref, { load: 2 });
      await w.settle();
      for (let k = 0; k < w.n; k++) assert.deepEqual(await seen(k), { load: 2 }, `node ${k}`);
      await api.join("svc"); // a second join without meta keeps it
      await api.join("svc", { meta: { load: 3 } });
      await w.settle();
      for (let k = 0; k < w.n; k++) assert.deepEqual(await seen(k), { load: 3 });
      await api.groups.updateMeta("svc", api.ref, null); // clears it
      await w.settle();
      for (let k = 0; k < w.n; k++) assert.equal(await seen(k), undefined);
      await api.groups.updateMeta("svc", "api", "back");
      await api.leave("svc");
      await api.leave("svc");
      await api.leave("svc");
      await api.join("svc"); // a new membership starts with no meta
      await w.settle();
      for (let k = 0; k < w.n; k++) assert.equal(await seen(k), undefined);
      assert.deepEqual(await take(events, 7), [
        { type: "joined", group: "svc", actorId: "api", nodeId, meta: { load: 1 } },
        { type: "updated", group: "svc", actorId: "api", nodeId, meta: { load: 2 } },
        { type: "updated", group: "svc", actorId: "api", nodeId, meta: { load: 3 } },
        { type: "updated", group: "svc", actorId: "api", nodeId },
        { type: "updated", group: "svc", actorId: "api", nodeId, meta: "back" },
        { type: "left", group: "svc", actorId: "api", nodeId },
        { type: "joined", group: "svc", actorId: "api", nodeId },
      ]);
      await events.return?.();
    });

    it("refuses meta too large or not JSON data, and an update by a non-member, changing nothing", async () => {
      const w = world();
      await w.on(0).createGroup("svc");
      await w.settle();
      const a = w.spawn(w.n - 1, "a");
      const before = await w.snapshot();
      const big = { blob: "x".repeat(MAX_META_BYTES) };
      await rejectsWith(a.join("svc", { meta: big }), PayloadTooLargeError, "PAYLOAD_TOO_LARGE", [
        "meta",
        "'a'",
        String(MAX_META_BYTES),
        ...scopeWords(w.scope),
      ]);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      // @ts-expect-error: not JSON data
      await rejectsWith(a.join("svc", { meta: cyclic }), InvalidArgumentError, "INVALID_ARGUMENT", ["meta"]);
      // @ts-expect-error: not JSON data
      await rejectsWith(a.join("svc", { meta: 10n }), InvalidArgumentError, "INVALID_ARGUMENT", ["meta"]);
      await rejectsWith(a.groups.updateMeta("svc", a.ref, { x: 1 }), NotAMemberError, "NOT_A_MEMBER", [
        "svc",
        "a",
      ]);
      await rejectsWith(a.groups.updateMeta("nope", a.ref, { x: 1 }), GroupNotFoundError, "GROUP_NOT_FOUND");
      assert.deepEqual(await w.snapshot(), before);
      await a.join("svc", { meta: { ok: true } });
      await rejectsWith(a.groups.updateMeta("svc", a.ref, big), PayloadTooLargeError, "PAYLOAD_TOO_LARGE");
      await w.settle();
      for (let k = 0; k < w.n; k++) {
        const [ref] = await w.on(k).members("svc");
        assert.deepEqual(ref?.meta, { ok: true }, `node ${k} keeps the meta a refused update left`);
      }
    });
  });
}
