/**
 * Recovery: what the command link runs after every fault, before it opens again (see
 * link.ts and docs/multi-node.md). Redis is made to hold this node's truth again:
 *
 * 1. The first time, register — waiting out a previous incarnation of this id.
 * 2. Later, check this incarnation is still live in the same store; if not (declared
 *    dead during a pause, or Redis lost its data), register a new one.
 * 3. Re-assert this node's whole slice of every open scope — re-creating the groups
 *    this node knows when the data was lost — which covers every write cut short.
 *
 * Views are read again once the link has opened (their snapshots go through it).
 */
import { localMemberships } from "../../groups/remote-changes.js";
import { list, pairs, text } from "./connection.js";
import type { KeyLayout } from "./keys.js";
import type { CommandLink } from "./link.js";
import type { Liveness } from "./liveness.js";
import type { ScopeReplica } from "./replica.js";
import { scopeCall } from "./scope-call.js";
import { ASSERT_SLICE } from "./scripts.js";

export interface RecoveryHost {
  readonly nodeId: string;
  readonly keys: KeyLayout;
  readonly liveness: Liveness;
  readonly replicas: Iterable<ScopeReplica>;
  /** How long a first registration waits for a previous incarnation to fall silent. */
  readonly firstRegistrationWaitMs: number;
  readonly report: (error: unknown) => void;
}

export async function recover(host: RecoveryHost, link: CommandLink): Promise<void> {
  const { liveness } = host;
  if (liveness.incarnation === "") {
    await liveness.register(host.firstRegistrationWaitMs);
    return;
  }
  let lost = false;
  if (!(await liveness.isRegistered())) {
    lost = await liveness.register();
    void liveness.purgeOwn().catch(host.report); // its purges go out once the link opens
  }
  for (const replica of host.replicas) {
    replica.isCurrent = false;
    await assertSlice(host, link, replica, lost);
  }
}

// Re-states this node's whole slice of a scope; `recreateGroups` after a data loss.
async function assertSlice(
  host: RecoveryHost,
  link: CommandLink,
  replica: ScopeReplica,
  recreateGroups: boolean,
): Promise<void> {
  const upTo = replica.changes;
  const groups = recreateGroups ? [...replica.groups.values()] : [];
  const args: (string | number)[] = [recreateGroups ? "1" : "0", groups.length];
  for (const g of groups)
    args.push(g.record.name, g.epoch, g.record.createdAtMs, JSON.stringify(g.record.labels));
  for (const m of localMemberships(replica.core)) {
    const epoch = replica.groups.get(m.group)?.epoch;
    if (epoch !== undefined) args.push(m.group, epoch, m.actorId, m.count, m.topics.join(","), m.meta);
  }
  const call = scopeCall(host.keys, replica.keys, host.nodeId, host.liveness.incarnation);
  const reply = list(
    await link.direct((conn) =>
      conn.evalsha(ASSERT_SLICE.sha, ASSERT_SLICE.keys, ...call.keys, ...call.args, ...args),
    ),
  );
  // Declared dead meanwhile: the recovery starts over and registers again.
  if (reply[0] !== "ok") throw new Error(`node ${host.nodeId} was fenced while re-asserting`);
  replica.assertedUpTo = upTo;
  replica.lastAssert = { epoch: text(reply[1]), seq: Number(reply[2]), holders: pairs(reply[3]) };
}
