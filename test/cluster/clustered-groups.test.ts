/**
 * The clustered handle against a store that answers as the test says.
 *
 * - A join refused because its group was deleted and re-created meanwhile (the other
 *   node's events applied while the write was on its way) must state nothing in the
 *   new group. Stating the old membership again would put the actor in the new group
 *   in Redis while its own node holds no such membership: a ghost every other node
 *   would see.
 * - A publish made once the view is open, while earlier ones still wait for it to
 *   open, leaves after them: a publish done at once must not overtake one that waits.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NodeCourier } from "../../src/actors/courier.js";
import { ActorRuntime } from "../../src/actors/runtime.js";
import { ClusteredGroups } from "../../src/cluster/clustered-groups.js";
import type { Replication } from "../../src/cluster/replication.js";
import { GroupNotFoundError } from "../../src/errors.js";
import {
  applyGroupCreated,
  applyGroupDeleted,
  type MembershipRecord,
} from "../../src/groups/remote-changes.js";
import { Scopes } from "../../src/groups/scopes.js";
import { freshScope } from "../support/helpers.js";

describe("a clustered join refused because its group was re-created meanwhile", () => {
  it("is undone, and nothing is stated in the new group", async () => {
    const scope = freshScope();
    const runtime = new ActorRuntime({ nodeId: "n2" });
    const writes: MembershipRecord[] = [];
    let refuse: () => void = () => undefined;
    const refused = new Promise<void>((resolve) => {
      refuse = resolve;
    });
    const store: Replication = {
      openScope: async () => undefined,
      catchUp: async () => undefined,
      createGroup: async () => undefined,
      deleteGroup: async () => undefined,
      writeMembership: async (_scope, record) => {
        writes.push(record);
        if (writes.length > 1) return;
        await refused;
        throw new GroupNotFoundError(record.group, scope); // the store saw another epoch
      },
      encode: () => ({ header: "", body: "" }),
      forward: () => undefined,
      checkTravel: () => undefined,
    };
    const scopes = new Scopes({
      nodeId: "n2",
      runtime,
      courier: new NodeCourier(runtime, null),
      now: () => 0,
      makeHandle: (core) => new ClusteredGroups(core, store, { nodeId: "n2", isStopped: false }),
    });
    const core = scopes.core(scope);
    const record = { name: "g", labels: {}, createdAtMs: 0 };
    applyGroupCreated(core, record);
    const x = runtime.spawn({ id: "x", ...scope }, () => undefined);

    const join = scopes.handle(scope).joinGroup("g", x);
    await new Promise((resolve) => setImmediate(resolve)); // the write is on its way
    assert.equal(writes.length, 1);
    // Another node deleted and re-created the group; its events arrive before the reply.
    applyGroupDeleted(core, "g");
    applyGroupCreated(core, record);
    refuse();
    await assert.rejects(join, GroupNotFoundError);
    await new Promise((resolve) => setImmediate(resolve));

    assert.deepEqual(core.localMembers("g"), [], "the new group has no member here");
    const stated = writes.slice(1).filter((w) => w.count > 0);
    assert.deepEqual(stated, [], "no membership was stated in the new group");
  });
});

describe("publishes while the scope's view opens", () => {
  it("leave in the order they were made, the ones done at once after those that waited", async () => {
    const scope = freshScope();
    const runtime = new ActorRuntime({ nodeId: "n2" });
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    const sent: unknown[] = [];
    const store: Replication = {
      openScope: () => opened,
      catchUp: async () => undefined,
      createGroup: async () => undefined,
      deleteGroup: async () => undefined,
      writeMembership: async () => undefined,
      encode: (_scope, message) => ({ header: "", body: JSON.stringify(message.message) }),
      forward: (_scope, _group, encoded) => {
        sent.push(JSON.parse(encoded.body));
      },
      checkTravel: () => undefined,
    };
    const scopes = new Scopes({
      nodeId: "n2",
      runtime,
      courier: new NodeCourier(runtime, null),
      now: () => 0,
      makeHandle: (core) => new ClusteredGroups(core, store, { nodeId: "n2", isStopped: false }),
    });
    applyGroupCreated(scopes.core(scope), { name: "g", labels: {}, createdAtMs: 0 });
    const groups = scopes.handle(scope);
    const waited = [1, 2, 3].map((n) => groups.publishToGroup("g", n));
    // Runs right after the view is marked open, before the three waiting resume.
    const late = opened.then(() => groups.publishToGroup("g", 4));
    open();
    await Promise.all([...waited, late]);
    assert.deepEqual(sent, [1, 2, 3, 4]);
    // With nothing waiting, a publish is done at once.
    const now = groups.publishToGroup("g", 5);
    assert.deepEqual(sent, [1, 2, 3, 4, 5]);
    await now;
  });
});
