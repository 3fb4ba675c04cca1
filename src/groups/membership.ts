/**
 * ScopeMembership: every group of one scope and who is in them, as this node sees it.
 *
 * It is a plain index with no validation and no I/O: ProcessGroups checks input and
 * decides, a backend (in multi-node mode) reports other nodes' changes, and both end
 * up here. Every change of membership is also told to the scope's watchers.
 *
 * Reverse indexes make the two bulk removals cheap: an actor that stops leaves its
 * groups in O(its groups), and a dead node's members go in O(its members). They are
 * sized for a million members. A local actor's groups hang off its own cell (a slot
 * the runtime keeps for whoever indexes the actor), so a join or leave does not look
 * it up in a map of every actor; other nodes' actors are in #byActor. Either way one
 * group is kept as itself, a few as a small array, and only many as a set. The node
 * index holds only other nodes' actors: this node never purges itself.
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { Scope } from "../errors.js";
import type { ActorId, GroupName, NodeId } from "../names.js";
import { GroupState } from "./group-state.js";
import { type Member, SoleJoin } from "./members.js";
import { WatchHub } from "./watch.js";

export class ScopeMembership {
  readonly hub: WatchHub;
  // name → group: every group operation starts here.
  readonly #groups = new Map<GroupName, GroupState>();
  // Group names in order, for listGroups; dropped on create and delete.
  #sortedNames: GroupName[] | null = null;
  // actor id on another node → the groups it is in: its removal is O(its groups).
  // (A local actor's groups are its cell's `memberships`.)
  readonly #byActor = new Map<ActorId, Groups>();
  // other node's id → its actors that are members of something here: a node's death is
  // O(its members).
  readonly #byNode = new Map<NodeId, Set<ActorId>>();
  // This node's id, learnt from the first local join; only to purge it if ever asked.
  #localNode: NodeId | null = null;

  constructor(readonly scope: Scope) {
    this.hub = new WatchHub(scope);
  }

  get(name: GroupName): GroupState | undefined {
    return this.#groups.get(name);
  }

  get groupCount(): number {
    return this.#groups.size;
  }

  /** Group names in ascending code-unit order. */
  sortedNames(): readonly GroupName[] {
    return (this.#sortedNames ??= [...this.#groups.keys()].sort());
  }

  /** Adds a group; a group already there is kept as it is. */
  create(name: GroupName, labels: Readonly<Record<string, string>>, createdAtMs: number): GroupState {
    const existing = this.#groups.get(name);
    if (existing !== undefined) return existing;
    const group = new GroupState(name, labels, createdAtMs);
    this.#groups.set(name, group);
    this.#sortedNames = null;
    this.hub.emit({ type: "created", group: name });
    return group;
  }

  /** Removes a group and every membership in it. Returns false if there was none. */
  delete(name: GroupName): boolean {
    const group = this.#groups.get(name);
    if (group === undefined) return false;
    this.#groups.delete(name);
    this.#sortedNames = null;
    group.release();
    for (const member of group.members.values()) {
      this.#unindex(member.actorId, member.nodeId, group, member.cell);
    }
    this.hub.emit({ type: "deleted", group: name });
    return true;
  }

  /** One join by a local actor (count +1, topics merged). */
  join(group: GroupState, cell: ActorCell, nodeId: NodeId, topics: readonly string[]): void {
    const actor = localActor(cell);
    // The actor's own groups (a short list) say whether it is a member already, so a
    // first join needs no look-up in the group, and the list no second scan.
    const groups = actor.groups;
    if (groups !== null && hasGroup(groups, group)) {
      actor.counted = true; // its member there counts joins from now on
      group.joinLocal(actor, topics);
      return;
    }
    if (group.addLocal(actor, topics) !== actor) actor.counted = true;
    this.#localNode = nodeId;
    actor.groups = groups === null ? group : withNewGroup(groups, group);
    if (this.hub.isWatched) this.hub.emit({ type: "joined", group: group.name, actorId: cell.id, nodeId });
  }

  /** One leave (count −1). Returns true when the actor is no longer a member. */
  leave(group: GroupState, actorId: ActorId): boolean {
    const member = group.members.get(actorId);
    return member !== undefined && this.leaveMember(group, member);
  }

  /**
   * A leave by a live local actor, when its own record answers without a look-up in
   * the group: true when it left. Undefined when the group must be asked (by `leave`
   * or `leaveMember`): the actor is no member, or a member of some group it joined
   * more than once or with topics.
   */
  leaveLocal(group: GroupState, cell: ActorCell): true | undefined {
    const actor = cell.memberships as LocalActor | null;
    if (actor === null || actor.counted || actor.groups === null || !hasGroup(actor.groups, group)) {
      return undefined;
    }
    // Not counted: its member in each of its groups is itself, which one leave removes.
    group.leave(actor);
    this.#left(group, cell.id, cell.ref.nodeId, cell);
    return true;
  }

  /** `leave` for a member already looked up. */
  leaveMember(group: GroupState, member: Member): boolean {
    if (!group.leave(member)) return false;
    this.#left(group, member.actorId, member.nodeId, member.cell);
    return true;
  }

  /** Applies a membership as its owner stated it (absolute count; 0 removes). */
  assign(
    group: GroupState,
    actorId: ActorId,
    nodeId: NodeId,
    cell: ActorCell | null,
    count: number,
    topics: readonly string[],
  ): void {
    const previous = group.members.get(actorId);
    const previousNode = previous?.nodeId;
    const previousCell = previous?.cell ?? null;
    // A membership stated for a local actor may count joins or carry topics.
    if (cell !== null) localActor(cell).counted = true;
    const change = group.assign(actorId, nodeId, cell, count, topics);
    if (change === "joined") this.#joined(group, actorId, nodeId, cell);
    else if (change === "left") this.#left(group, actorId, previousNode ?? nodeId, previousCell);
    else if (change === "updated" && previousNode !== undefined && previousNode !== nodeId) {
      this.#unindex(actorId, previousNode, group, previousCell);
      this.#index(actorId, nodeId, group, cell);
    }
  }

  /**
   * Removes an actor from every group at once, whatever its counts (it stopped). Give
   * the cell for a local actor; an id alone names an actor of another node.
   */
  removeActor(actorId: ActorId, cell: ActorCell | null = null): GroupName[] {
    const groups = cell === null ? this.#byActor.get(actorId) : groupsOfCell(cell);
    if (groups === undefined || groups === null) return [];
    const left: GroupName[] = [];
    for (const group of listOf(groups)) {
      const member = group.members.get(actorId);
      if (member === undefined || member.cell !== cell) continue;
      group.remove(actorId);
      this.#left(group, actorId, member.nodeId, cell);
      left.push(group.name);
    }
    return left;
  }

  /** Removes every membership hosted by a node (it died or left the cluster). */
  removeNode(nodeId: NodeId): number {
    // This node's own actors are in neither index; should it ever be asked to purge
    // itself, it walks its groups (a path no failure detector takes for a live node).
    if (nodeId === this.#localNode) return this.#removeLocal();
    const actors = this.#byNode.get(nodeId);
    if (actors === undefined) return 0;
    let removed = 0;
    for (const actorId of [...actors]) {
      const groups = this.#byActor.get(actorId);
      if (groups === undefined) continue;
      for (const group of listOf(groups)) {
        const member = group.members.get(actorId);
        if (member?.nodeId !== nodeId || member.cell !== null) continue;
        group.remove(actorId);
        this.#left(group, actorId, nodeId, null);
        removed++;
      }
    }
    return removed;
  }

  #removeLocal(): number {
    let removed = 0;
    for (const group of this.#groups.values()) {
      for (const member of [...group.members.values()]) {
        if (member.cell === null) continue;
        group.remove(member.actorId);
        this.#left(group, member.actorId, member.nodeId, member.cell);
        removed++;
      }
    }
    return removed;
  }

  /** The groups an actor is a member of: by its cell if local, else by id. */
  groupsOf(actorId: ActorId, cell: ActorCell | null = null): readonly GroupState[] {
    const groups = cell === null ? this.#byActor.get(actorId) : groupsOfCell(cell);
    return groups === undefined || groups === null ? [] : listOf(groups);
  }

  /** Every group, for snapshots and re-assertion. */
  groups(): IterableIterator<GroupState> {
    return this.#groups.values();
  }

  /** Forgets everything (shutdown). Watchers are ended, not told of each removal. */
  clear(): void {
    this.hub.closeAll();
    for (const group of this.#groups.values()) group.release();
    this.#groups.clear();
    this.#byActor.clear();
    this.#byNode.clear();
    this.#sortedNames = null;
  }

  #joined(group: GroupState, actorId: ActorId, nodeId: NodeId, cell: ActorCell | null): void {
    this.#index(actorId, nodeId, group, cell);
    if (this.hub.isWatched) this.hub.emit({ type: "joined", group: group.name, actorId, nodeId });
  }

  #left(group: GroupState, actorId: ActorId, nodeId: NodeId, cell: ActorCell | null): void {
    this.#unindex(actorId, nodeId, group, cell);
    if (this.hub.isWatched) this.hub.emit({ type: "left", group: group.name, actorId, nodeId });
  }

  #index(actorId: ActorId, nodeId: NodeId, group: GroupState, cell: ActorCell | null): void {
    if (cell !== null) {
      const actor = localActor(cell);
      actor.groups = actor.groups === null ? group : withGroup(actor.groups, group);
      return;
    }
    const groups = this.#byActor.get(actorId);
    if (groups === undefined) this.#byActor.set(actorId, group);
    else {
      const grown = withGroup(groups, group);
      if (grown !== groups) this.#byActor.set(actorId, grown);
    }
    let actors = this.#byNode.get(nodeId);
    if (actors === undefined) this.#byNode.set(nodeId, (actors = new Set()));
    actors.add(actorId);
  }

  // Invariant: a local actor's cell holds exactly the groups it is a member of; an
  // actor of another node is in #byActor, and under its node in #byNode, iff it is a
  // member of at least one group.
  #unindex(actorId: ActorId, nodeId: NodeId, group: GroupState, cell: ActorCell | null): void {
    if (cell !== null) {
      const actor = cell.memberships as LocalActor | null;
      const groups = actor?.groups;
      if (groups == null) return;
      const rest = withoutGroup(groups, group);
      if (rest === null) actor!.counted = false; // in no group, so counting no joins
      // An emptied array is kept: the actor's next joins fill it again, building none.
      if (rest !== null || !Array.isArray(groups)) actor!.groups = rest;
      return;
    }
    const groups = this.#byActor.get(actorId);
    if (groups === undefined) return;
    const rest = withoutGroup(groups, group);
    if (rest === groups) return;
    if (rest !== null) {
      this.#byActor.set(actorId, rest);
      return;
    }
    this.#byActor.delete(actorId);
    const actors = this.#byNode.get(nodeId);
    actors?.delete(actorId);
    if (actors?.size === 0) this.#byNode.delete(nodeId);
  }
}

/** An actor's groups: one group as itself, a few as an array, many as a set. */
type Groups = GroupState | GroupState[] | Set<GroupState>;

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

function localActor(cell: ActorCell): LocalActor {
  return (cell.memberships as LocalActor | null) ?? (cell.memberships = new LocalActor(cell));
}

function groupsOfCell(cell: ActorCell): Groups | null {
  return (cell.memberships as LocalActor | null)?.groups ?? null;
}

/** Beyond this many groups an actor's groups are a set, so a leave stays O(1). */
const SMALL = 16;

function listOf(groups: Groups): GroupState[] {
  if (groups instanceof GroupState) return [groups];
  return [...groups];
}

function hasGroup(groups: Groups, group: GroupState): boolean {
  if (groups instanceof GroupState) return groups === group;
  if (groups instanceof Set) return groups.has(group);
  return groups.includes(group);
}

function withGroup(groups: Groups, group: GroupState): Groups {
  return hasGroup(groups, group) ? groups : withNewGroup(groups, group);
}

// `withGroup` for a group known not to be there.
function withNewGroup(groups: Groups, group: GroupState): Groups {
  if (groups instanceof GroupState) return [groups, group];
  if (groups instanceof Set) return groups.add(group);
  if (groups.length < SMALL) {
    groups.push(group);
    return groups;
  }
  return new Set([...groups, group]);
}

// The groups without `group`: the same object when it was not there (or was removed
// in place), null when none is left. An array stays an array, even of one: an actor
// that keeps joining and leaving a few groups does not build a new one each time.
function withoutGroup(groups: Groups, group: GroupState): Groups | null {
  if (groups instanceof GroupState) return groups === group ? null : groups;
  if (groups instanceof Set) {
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
