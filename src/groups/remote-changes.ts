/**
 * What other nodes did, applied to this node's view of a scope: groups created and
 * deleted, memberships as their owners stated them, a whole view replaced after a
 * resync, and the messages they published, handed to the local members.
 *
 * The rules that decide *when* to apply (sequence numbers, gaps, epochs) belong to the
 * backend that carries the changes; these functions only apply, and never overrule
 * this node about its own actors: a local actor's membership is this node's to state.
 */
import type { Targets } from "../actors/dispatcher.js";
import type { ActorId, GroupName, NodeId } from "../names.js";
import { type Audience, without } from "./audience.js";
import type { Group } from "./group.js";
import type { GroupRecord, ScopeGroups } from "./scope-groups.js";
import { TopicPath } from "./topic-path.js";

export type { GroupRecord };

/** One actor's membership of one group, stated absolutely by its owner; count 0 = gone. */
export interface MembershipRecord {
  readonly group: GroupName;
  readonly actorId: ActorId;
  readonly nodeId: NodeId;
  readonly count: number;
  readonly topics: readonly string[];
  /** Its presence meta as JSON text; "" when it has none. */
  readonly meta: string;
}

/** Consecutive messages from one node for one group with the same topic and `exclude`, in order. */
export interface RemoteRun {
  readonly group: GroupName;
  readonly messages: readonly unknown[];
  readonly topic: string | undefined;
  readonly exclude: readonly ActorId[];
}

const NOBODY: Targets = Object.freeze({ slots: Object.freeze([]), behaviours: null, contexts: null });

export function applyGroupCreated(core: ScopeGroups, record: GroupRecord): void {
  core.create(record);
}

/** Removes the group; returns it (for deliveries still on their way to it), or undefined. */
export function applyGroupDeleted(core: ScopeGroups, name: GroupName): Group | undefined {
  return core.index.delete(name);
}

export function applyMembership(core: ScopeGroups, record: MembershipRecord): void {
  if (record.nodeId === core.nodeId) return; // this node's own write, applied already
  const group = core.index.get(record.group);
  if (group === undefined) return; // the group was deleted after this write; nothing to apply
  const member = group.members.get(record.actorId);
  // A local actor with the same id is this node's to state; and the end of another
  // node's membership must not remove a member that now lives elsewhere.
  if (member !== undefined && (member.cell !== null || member.nodeId !== record.nodeId)) {
    if (member.cell !== null || record.count <= 0) return;
  }
  core.index.assign(group, record.actorId, record.nodeId, record.count, record.topics, record.meta);
}

/**
 * Replaces the whole view of the scope with `groups` and `members` (a snapshot): never
 * merges — except that remote members of nodes not in `keepUnless` are kept when it is
 * given (after Redis lost its data, those nodes have not re-asserted yet).
 */
export function replaceView(
  core: ScopeGroups,
  groups: readonly GroupRecord[],
  members: readonly MembershipRecord[],
  keepUnless?: ReadonlySet<NodeId>,
): void {
  const index = core.index;
  const wanted = new Map(groups.map((g) => [g.name, g]));
  for (const group of [...index.groups()]) if (!wanted.has(group.name)) index.delete(group.name);
  for (const record of groups) index.create(record.name, record.labels, record.createdAtMs);
  const remote = new Map<string, MembershipRecord>();
  for (const m of members) if (m.nodeId !== core.nodeId) remote.set(`${m.group}\n${m.actorId}`, m);
  for (const group of index.groups()) {
    for (const member of [...group.members.values()]) {
      if (member.cell !== null) continue; // this node owns its own; the snapshot cannot overrule it
      if (keepUnless !== undefined && !keepUnless.has(member.nodeId)) continue; // still re-asserting
      if (!remote.has(`${group.name}\n${member.actorId}`))
        index.assign(group, member.actorId, member.nodeId, 0, [], "");
    }
  }
  for (const m of remote.values()) {
    const group = index.get(m.group);
    if (group === undefined || group.members.get(m.actorId)?.cell) continue; // local ones stay
    index.assign(group, m.actorId, m.nodeId, m.count, m.topics, m.meta);
  }
}

/** This node's own memberships of the scope, for re-assertion. */
export function localMemberships(core: ScopeGroups): MembershipRecord[] {
  const records: MembershipRecord[] = [];
  for (const group of core.index.groups()) {
    for (const member of group.members.values()) {
      if (member.cell === null) continue;
      records.push({
        group: group.name,
        actorId: member.actorId,
        nodeId: member.nodeId,
        count: member.count,
        topics: member.topics,
        meta: group.metaOf(member.actorId),
      });
    }
  }
  return records;
}

/**
 * Hands messages another node published to this node's matching members, in order.
 * `detached` is a group already deleted here whose last messages are still arriving.
 */
export function deliverRun(core: ScopeGroups, run: RemoteRun, detached?: Group): void {
  const { messages, topic } = run;
  // The sender checked the topic; checked again here all the same, since a wire message
  // is only data, and a valid topic may then enter the group's topic cache.
  const path = topic === undefined ? undefined : validTopic(topic);
  if (path === null) return;
  const excluded = run.exclude.length > 0 ? new Set(run.exclude) : null;
  const dispatcher = core.dispatcher;
  let last: Group | undefined;
  let audience: Audience | undefined;
  let targets: Targets = NOBODY;
  for (let i = 0; i < messages.length; i++) {
    // Looked up for every message: a member's behaviour runs inside fanOut and may
    // change the group (leave, stop) before the next message of the run.
    const group = detached ?? core.index.get(run.group);
    if (group === undefined) return;
    // everyone() is cached until the membership changes, so the same object means the
    // same audience: its slots (less `exclude`) are reused; a topic is matched each time.
    const everyone = group.everyone();
    if (path !== undefined || group !== last || everyone !== audience) {
      last = group;
      audience = everyone;
      const chosen = path === undefined ? everyone : (group.published(topic!) ?? group.matching(path));
      targets = excluded === null ? chosen : without(chosen, group.members, excluded);
    }
    if (targets.slots.length > 0) dispatcher.fanOut(targets, messages[i], run.group, topic);
  }
}

// A topic from the wire read into a path of this run's own (behaviours that run between
// its messages may publish), or null if it is not a valid published topic.
function validTopic(topic: string): TopicPath | null {
  try {
    return new TopicPath().read(topic);
  } catch {
    return null;
  }
}
