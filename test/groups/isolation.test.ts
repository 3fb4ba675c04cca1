/**
 * Tenant and namespace isolation: a scope's handle can neither see nor touch another
 * scope's groups, members, events or deliveries, and an actor of another scope is
 * refused. Same-named groups and actors in two scopes stay separate.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ActorNotFoundError,
  type ActorSystem,
  GroupNotFoundError,
  type MembershipEvent,
  PermissionDeniedError,
  type Scope,
} from "../../src/index.js";
import { rejectsWith } from "../conformance/world.js";
import { freshScope, newSystem, type Recorder, recorder } from "../support/helpers.js";

interface Side {
  readonly scope: Scope;
  readonly member: Recorder;
}

/** Two scopes, each with a group "g" (labels naming the side) and a member "w" in it. */
async function twoScopes(system: ActorSystem, a: Scope, b: Scope): Promise<[Side, Side]> {
  const sides: Side[] = [];
  for (const [scope, label] of [
    [a, "a"],
    [b, "b"],
  ] as const) {
    const groups = system.groups(scope);
    await groups.createGroup("g", { labels: { side: label } });
    const member = recorder(system, scope, "w");
    await groups.joinGroup("g", member.ref);
    sides.push({ scope, member });
  }
  return [sides[0]!, sides[1]!];
}

/** Pairs of scopes that differ only by tenant, only by namespace, or by a joined-up spelling. */
function scopePairs(): [string, Scope, Scope][] {
  const { tenantId } = freshScope("iso");
  return [
    ["another namespace", { tenantId, namespace: "prod" }, { tenantId, namespace: "staging" }],
    [
      "another tenant",
      { tenantId: `${tenantId}-1`, namespace: "ns" },
      { tenantId: `${tenantId}-2`, namespace: "ns" },
    ],
    [
      "a spelling that joins the same",
      { tenantId: `${tenantId}-x`, namespace: "y-z" },
      { tenantId: `${tenantId}-x-y`, namespace: "z" },
    ],
  ];
}

describe("isolation", () => {
  for (const [what, a, b] of scopePairs()) {
    describe(`between scopes of ${what}`, () => {
      it("keeps same-named groups and actors separate", async () => {
        await using system = newSystem();
        const [sa, sb] = await twoScopes(system, a, b);
        const ga = system.groups(a);
        const gb = system.groups(b);
        assert.notEqual(ga, gb);
        assert.equal((await ga.listGroups()).groups[0]?.labels.side, "a");
        assert.equal((await gb.listGroups()).groups[0]?.labels.side, "b");
        const result = await ga.publishToGroup("g", "for-a");
        assert.deepEqual([...result.recipients], ["w"]);
        assert.deepEqual(sa.member.received, ["for-a"]);
        assert.deepEqual(sb.member.received, []);
        await gb.publishToGroup("g", "for-b");
        assert.deepEqual(sa.member.received, ["for-a"]);
        assert.deepEqual(sb.member.received, ["for-b"]);
        // Stopping one scope's "w" leaves the other's membership alone.
        await sa.member.ref.stop();
        assert.deepEqual(await ga.getMembers("g"), []);
        assert.deepEqual(await gb.getMembers("g"), ["w"]);
        // Deleting one scope's "g" leaves the other's.
        await ga.deleteGroup("g");
        assert.deepEqual(await gb.getMembers("g"), ["w"]);
        assert.deepEqual(
          (await gb.listGroups()).groups.map((g) => g.memberCount),
          [1],
        );
      });

      it("shows nothing of one scope to the other: groups, members, events", async () => {
        await using system = newSystem();
        const ga = system.groups(a);
        const gb = system.groups(b);
        const events: MembershipEvent[] = [];
        const controller = new AbortController();
        const watching = (async () => {
          for await (const event of gb.watch(undefined, { signal: controller.signal })) events.push(event);
        })();
        await ga.createGroup("only-a");
        const actor = recorder(system, a, "x");
        await ga.joinGroup("only-a", actor.ref);
        await ga.leaveGroup("only-a", actor.ref);
        await ga.deleteGroup("only-a");
        await ga.createGroup("only-a");
        await gb.createGroup("mark"); // b's own event, the last one b should see
        await rejectsWith(gb.getMembers("only-a"), GroupNotFoundError, "GROUP_NOT_FOUND", [
          b.tenantId,
          b.namespace,
        ]);
        await rejectsWith(gb.getLocalMembers("only-a"), GroupNotFoundError, "GROUP_NOT_FOUND");
        await rejectsWith(gb.watch("only-a").next(), GroupNotFoundError, "GROUP_NOT_FOUND");
        assert.deepEqual(
          (await gb.listGroups({ pattern: "*" })).groups.map((g) => g.name),
          ["mark"],
        );
        controller.abort();
        await watching;
        assert.deepEqual(events, [{ type: "created", group: "mark" }]);
      });

      it("refuses to join, leave or exclude an actor of the other scope, and changes nothing", async () => {
        await using system = newSystem();
        const [sa] = await twoScopes(system, a, b);
        const gb = system.groups(b);
        const foreign = sa.member.ref;
        const before = [await gb.getMembers("g"), await system.groups(a).getMembers("g")];
        const words = [foreign.id, "g", a.tenantId, a.namespace, b.tenantId, b.namespace];
        await rejectsWith(gb.joinGroup("g", foreign), PermissionDeniedError, "PERMISSION_DENIED", words);
        await rejectsWith(gb.leaveGroup("g", foreign), PermissionDeniedError, "PERMISSION_DENIED");
        await rejectsWith(
          gb.publishToGroup("g", "m", { exclude: foreign }),
          PermissionDeniedError,
          "PERMISSION_DENIED",
        );
        // By id, the other scope's actor simply does not exist here.
        const stranger = recorder(system, a, "stranger");
        await rejectsWith(gb.joinGroup("g", "stranger"), ActorNotFoundError, "ACTOR_NOT_FOUND", ["stranger"]);
        assert.deepEqual([await gb.getMembers("g"), await system.groups(a).getMembers("g")], before);
        assert.deepEqual(stranger.received, []);
      });

      it("neither publishes to nor deletes the other scope's groups", async () => {
        await using system = newSystem();
        const ga = system.groups(a);
        const gb = system.groups(b);
        await ga.createGroup("only-a");
        const actor = recorder(system, a, "x");
        await ga.joinGroup("only-a", actor.ref);
        await rejectsWith(gb.publishToGroup("only-a", "m"), GroupNotFoundError, "GROUP_NOT_FOUND");
        await gb.deleteGroup("only-a"); // idempotent in b: there is nothing of that name there
        assert.deepEqual(await ga.getMembers("only-a"), ["x"]);
        await ga.publishToGroup("only-a", "still-here");
        assert.deepEqual(actor.received, ["still-here"]);
      });
    });
  }
});
