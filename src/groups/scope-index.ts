/**
 * ScopeIndex: every group of one scope and who is in them, as this node sees it.
 *
 * A plain index with no validation and no I/O: ScopeGroups checks input and decides,
 * the changes other nodes state arrive through remote-changes.ts, and both end up
 * here. Every change of membership is also told to the scope's watchers.
 *
 * A local actor's groups hang off its own cell (a slot the runtime keeps for whoever
 * indexes the actor), so an actor that stops leaves its groups in O(its groups), and
 * a join or leave does not look it up in a map of every actor. One group is kept as
 * itself, a few as a small array, and only many as a set. Other nodes' actors need no
 * reverse index: their owners state every change, one membership at a time.
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { ActorId, GroupName, Json, NodeId, Scope } from "../names.js";
import { Group } from "./group.js";
import { type Member, SoleJoin } from "./members.js";
import { WatchHub } from "./watch.js";

export class ScopeIndex {
  readonly hub: WatchHub;
  // name → group: every group operation starts here.
  readonly #groups = new Map<GroupName, Group>();
  // Group names in order, for listGroups; dropped on create and delete.
  #sortedNames: GroupName[] | null = null;

  constructor(readonly scope: Scope) {
    this.hub = new WatchHub(scope);
  }

  get(name: GroupName): Group | undefined {
    return this.#groups.get(name);
  }

  /** Group names in ascending code-unit order. */
  sortedNames(): readonly GroupName[] {
    return (this.#sortedNames ??= [...this.#groups.keys()].sort());
  }

  /** Adds a group; a group already there is kept as it is. */
  create(name: GroupName, labels: Readonly<Record<string, string>>, createdAtMs: number): Group {
    const existing = this.#groups.get(name);
    if (existing !== undefined) return existing;
    const group = new Group(name, labels, createdAtMs);
    this.#groups.set(name, group);
    this.#sortedNames = null;
    this.hub.emit({ type: "created", group: name });
    return group;
  }

  /** Removes a group and every membership in it; returns it, or undefined if there was none. */
  delete(name: GroupName): Group | undefined {
    const group = this.#groups.get(name);
    if (group === undefined) return undefined;
    this.#groups.delete(name);
    this.#sortedNames = null;
    group.release();
    for (const member of group.members.values()) if (member.cell !== null) this.#unindex(group, member.cell);
    this.hub.emit({ type: "deleted", group: name });
    return group;
  }

  /**
   * One join by a local actor (count +1, topics merged); `meta` (JSON text), when
   * given, replaces its presence meta.
   */
  join(group: Group, cell: ActorCell, nodeId: NodeId, topics: readonly string[], meta?: string): void {
    const actor = localActor(cell);
    // The actor's own groups (a short list) say whether it is a member already, so a
    // first join needs no look-up in the group, and the list no second scan.
    const groups = actor.groups;
    if (groups !== null && hasGroup(groups, group)) {
      actor.counted = true; // its member there counts joins from now on
      group.joinLocal(actor, topics);
      if (meta !== undefined) this.setMeta(group, cell.id, nodeId, meta);
      return;
    }
    if (group.addLocal(actor, topics) !== actor) actor.counted = true;
    actor.groups = groups === null ? group : withNewGroup(groups, group);
    if (meta !== undefined) group.setMeta(cell.id, meta);
    if (this.hub.isWatched) this.#joined(group, cell.id, nodeId);
  }

  /** Sets a member's presence meta ("" clears it) and tells the watchers if it changed. */
  setMeta(group: Group, actorId: ActorId, nodeId: NodeId, meta: string): void {
    if (group.setMeta(actorId, meta) && this.hub.isWatched) {
      this.hub.emit({ type: "updated", group: group.name, actorId, nodeId, ...metaField(meta) });
    }
  }

  /**
   * A leave by a live local actor, when its own record answers without a look-up in
   * the group: true when it left. Undefined when the group must be asked (by `leave`
   * or `leaveMember`): the actor is no member, or a member of some group it joined
   * more than once or with topics.
   */
  leaveLocal(group: Group, cell: ActorCell): true | undefined {
    const actor = localActorOf(cell);
    if (actor === null || actor.counted || actor.groups === null || !hasGroup(actor.groups, group)) {
      return undefined;
    }
    // Not counted: its member in each of its groups is itself, which one leave removes.
    group.leave(actor);
    this.#left(group, cell.id, cell.ref.nodeId, cell);
    return true;
  }

  /** `leave` for a member already looked up. */
  leaveMember(group: Group, member: Member): boolean {
    if (!group.leave(member)) return false;
    this.#left(group, member.actorId, member.nodeId, member.cell);
    return true;
  }

  /** Applies another node's membership as its owner stated it (absolute count; 0 removes). */
  assign(
    group: Group,
    actorId: ActorId,
    nodeId: NodeId,
    count: number,
    topics: readonly string[],
    meta: string,
  ): void {
    const previousNode = group.members.get(actorId)?.nodeId;
    const change = group.assign(actorId, nodeId, null, count, topics);
    if (change === "joined") {
      group.setMeta(actorId, meta);
      if (this.hub.isWatched) this.#joined(group, actorId, nodeId);
    } else if (change === "left") {
      if (this.hub.isWatched) {
        this.hub.emit({ type: "left", group: group.name, actorId, nodeId: previousNode ?? nodeId });
      }
    } else if (count > 0) this.setMeta(group, actorId, nodeId, meta);
  }

  /**
   * Puts a local actor's membership back as it was (count 0: not a member), undoing a
   * failed call.
   */
  restoreLocal(group: Group, cell: ActorCell, count: number, topics: readonly string[], meta: string): void {
    const actor = localActor(cell);
    const wasMember = group.members.has(cell.id);
    // Its member is then a counted one: the actor's own SoleJoin no longer speaks for it.
    actor.counted = true;
    group.assign(cell.id, cell.ref.nodeId, cell, count, topics);
    const isMember = group.members.has(cell.id);
    if (isMember && !wasMember) {
      actor.groups = actor.groups === null ? group : withNewGroup(actor.groups, group);
      group.setMeta(cell.id, meta);
      if (this.hub.isWatched) this.#joined(group, cell.id, cell.ref.nodeId);
    } else if (wasMember && !isMember) this.#left(group, cell.id, cell.ref.nodeId, cell);
    else if (isMember) this.setMeta(group, cell.id, cell.ref.nodeId, meta);
  }

  /** Removes a local actor from every group at once, whatever its counts (it stopped). */
  removeActor(cell: ActorCell): GroupName[] {
    const groups = groupsOfCell(cell);
    if (groups === null) return [];
    const left: GroupName[] = [];
    for (const group of listOf(groups)) {
      const member = group.members.get(cell.id);
      if (member === undefined || member.cell !== cell) continue;
      group.remove(cell.id);
      this.#left(group, cell.id, member.nodeId, cell);
      left.push(group.name);
    }
    return left;
  }

  /** Every group, for snapshots and re-assertion. */
  groups(): IterableIterator<Group> {
    return this.#groups.values();
  }

  /** Forgets everything (shutdown). Watchers are ended, not told of each removal. */
  clear(): void {
    this.hub.closeAll();
    for (const group of this.#groups.values()) group.release();
    this.#groups.clear();
    this.#sortedNames = null;
  }

  #joined(group: Group, actorId: ActorId, nodeId: NodeId): void {
    const meta = metaField(group.metaOf(actorId));
    this.hub.emit({ type: "joined", group: group.name, actorId, nodeId, ...meta });
  }

  #left(group: Group, actorId: ActorId, nodeId: NodeId, cell: ActorCell | null): void {
    if (cell !== null) this.#unindex(group, cell);
    if (this.hub.isWatched) this.hub.emit({ type: "left", group: group.name, actorId, nodeId });
  }

  // Invariant: a local actor's cell holds exactly the groups it is a member of.
  #unindex(group: Group, cell: ActorCell): void {
    const actor = localActorOf(cell);
    const groups = actor?.groups;
    if (groups == null) return;
    const rest = withoutGroup(groups, group);
    if (rest === null) actor!.counted = false; // in no group, so counting no joins
    // An emptied array is kept: the actor's next joins fill it again, building none.
    if (rest !== null || !Array.isArray(groups)) actor!.groups = rest;
  }
}

/** A `meta` field for an event, parsed from its JSON text; none when the text is "". */
export function metaField(meta: string): { meta?: Json } {
  return meta === "" ? {} : { meta: JSON.parse(meta) as Json };
}

/** An actor's groups: one group as itself, a few as an array, many as a set. */
type Groups = Group | Group[] | Set<Group>;

/**
 * What a local actor's cell keeps for this index, made at its first join and kept for
 * the actor's life: its groups, and (being a SoleJoin) its membership of each group it
 * joined once without topics. So a join or leave by a known actor allocates nothing.
 */
class LocalActor extends SoleJoin {
  groups: Groups | null = null;
  /**
   * Whether some group may hold a member of this actor other than itself (it joined
   * that group more than once, or with topics). While false, its member in every group
   * it is in is itself, and a leave needs no look-up; reset once it is in no group.
   */
  counted = false;
}

// The one place that reads the slot an actor's cell keeps for this index.
function localActorOf(cell: ActorCell): LocalActor | null {
  return cell.memberships as LocalActor | null;
}

function localActor(cell: ActorCell): LocalActor {
  return localActorOf(cell) ?? (cell.memberships = new LocalActor(cell));
}

function groupsOfCell(cell: ActorCell): Groups | null {
  return localActorOf(cell)?.groups ?? null;
}

/** Beyond this many groups an actor's groups are a set, so a leave stays O(1). */
const SMALL = 16;

function listOf(groups: Groups): Group[] {
  if (groups instanceof Group) return [groups];
  return [...groups];
}

// Array first: the common case, and Array.isArray is cheaper than a prototype walk.
function hasGroup(groups: Groups, group: Group): boolean {
  if (Array.isArray(groups)) return groups.includes(group);
  if (groups instanceof Set) return groups.has(group);
  return groups === group;
}

// The groups with `group` added, known not to be there.
function withNewGroup(groups: Groups, group: Group): Groups {
  if (Array.isArray(groups)) {
    if (groups.length < SMALL) {
      groups.push(group);
      return groups;
    }
    return new Set([...groups, group]);
  }
  if (groups instanceof Set) return groups.add(group);
  return [groups, group];
}

// The groups without `group`: the same object when it was not there (or was removed
// in place), null when none is left. An array stays an array, even of one: an actor
// that keeps joining and leaving a few groups does not build a new one each time.
function withoutGroup(groups: Groups, group: Group): Groups | null {
  if (!Array.isArray(groups)) {
    if (!(groups instanceof Set)) return groups === group ? null : groups;
    groups.delete(group);
    return groups.size === 0 ? null : groups;
  }
  const at = groups.indexOf(group);
  if (at < 0) return groups;
  if (groups.length === 1) {
    groups.pop();
    return null;
  }
  groups[at] = groups[groups.length - 1]!;
  groups.pop();
  return groups;
}
