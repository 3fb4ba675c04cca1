/**
 * ScopeMembership: every group of one scope and who is in them, as this node sees it.
 *
 * It is a plain index with no validation and no I/O: ProcessGroups checks input and
 * decides, a backend (in multi-node mode) reports other nodes' changes, and both end
 * up here. Every change of membership is also told to the scope's watchers.
 *
 * Reverse indexes make the two bulk removals cheap: an actor that stops leaves its
 * groups in O(its groups), and a dead node's members go in O(its members). They are
 * sized for a million members: an actor in one group costs one map entry pointing at
 * that group (no set), a few groups a small array, and only an actor in many groups a
 * set. The node index holds only other nodes' actors: this node never purges itself.
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { Scope } from "../errors.js";
import type { ActorId, GroupName, NodeId } from "../names.js";
import { GroupState, type Member } from "./group-state.js";
import { WatchHub } from "./watch.js";

export class ScopeMembership {
  readonly hub: WatchHub;
  // name → group: every group operation starts here.
  readonly #groups = new Map<GroupName, GroupState>();
  // Group names in order, for listGroups; dropped on create and delete.
  #sortedNames: GroupName[] | null = null;
  // actor id → the groups it is in: an actor's stop is O(its groups).
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
    for (const member of group.members.values()) {
      this.#unindex(member.actorId, member.nodeId, group, member.cell !== null);
    }
    this.hub.emit({ type: "deleted", group: name });
    return true;
  }

  /** One join by a local actor (count +1, topics merged). */
  join(group: GroupState, cell: ActorCell, nodeId: NodeId, topics: readonly string[]): void {
    if (group.joinLocal(cell, topics) === null) return;
    this.#localNode = nodeId;
    this.#joined(group, cell.id, nodeId, true);
  }

  /** One leave (count −1). Returns true when the actor is no longer a member. */
  leave(group: GroupState, actorId: ActorId): boolean {
    const member = group.members.get(actorId);
    return member !== undefined && this.leaveMember(group, member);
  }

  /** `leave` for a member already looked up. */
  leaveMember(group: GroupState, member: Member): boolean {
    if (!group.leave(member)) return false;
    this.#left(group, member.actorId, member.nodeId, member.cell !== null);
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
    const wasLocal = previous !== undefined && previous.cell !== null;
    const change = group.assign(actorId, nodeId, cell, count, topics);
    if (change === "joined") this.#joined(group, actorId, nodeId, cell !== null);
    else if (change === "left") this.#left(group, actorId, previousNode ?? nodeId, wasLocal);
    else if (change === "updated" && previousNode !== undefined && previousNode !== nodeId) {
      this.#unindex(actorId, previousNode, group, wasLocal);
      this.#index(actorId, nodeId, group, cell !== null);
    }
  }

  /** Removes an actor from every group at once, whatever its counts (it stopped). */
  removeActor(actorId: ActorId): GroupName[] {
    const groups = this.#byActor.get(actorId);
    if (groups === undefined) return [];
    const left: GroupName[] = [];
    for (const group of listOf(groups)) {
      const member = group.remove(actorId);
      if (member === undefined) continue;
      this.#left(group, actorId, member.nodeId, member.cell !== null);
      left.push(group.name);
    }
    return left;
  }

  /** Removes every membership hosted by a node (it died or left the cluster). */
  removeNode(nodeId: NodeId): number {
    // This node's own actors are not in #byNode; should it ever be asked to purge itself,
    // they are found through #byActor.
    const actors = nodeId === this.#localNode ? this.#byActor.keys() : this.#byNode.get(nodeId);
    if (actors === undefined) return 0;
    let removed = 0;
    for (const actorId of [...actors]) {
      const groups = this.#byActor.get(actorId);
      if (groups === undefined) continue;
      for (const group of listOf(groups)) {
        const member = group.members.get(actorId);
        if (member?.nodeId !== nodeId) continue;
        group.remove(actorId);
        this.#left(group, actorId, nodeId, member.cell !== null);
        removed++;
      }
    }
    return removed;
  }

  /** The groups an actor is a member of. */
  groupsOf(actorId: ActorId): readonly GroupState[] {
    const groups = this.#byActor.get(actorId);
    return groups === undefined ? [] : listOf(groups);
  }

  /** Every group, for snapshots and re-assertion. */
  groups(): IterableIterator<GroupState> {
    return this.#groups.values();
  }

  /** Forgets everything (shutdown). Watchers are ended, not told of each removal. */
  clear(): void {
    this.hub.closeAll();
    this.#groups.clear();
    this.#byActor.clear();
    this.#byNode.clear();
    this.#sortedNames = null;
  }

  #joined(group: GroupState, actorId: ActorId, nodeId: NodeId, isLocal: boolean): void {
    this.#index(actorId, nodeId, group, isLocal);
    if (this.hub.isWatched) this.hub.emit({ type: "joined", group: group.name, actorId, nodeId });
  }

  #left(group: GroupState, actorId: ActorId, nodeId: NodeId, isLocal: boolean): void {
    this.#unindex(actorId, nodeId, group, isLocal);
    if (this.hub.isWatched) this.hub.emit({ type: "left", group: group.name, actorId, nodeId });
  }

  #index(actorId: ActorId, nodeId: NodeId, group: GroupState, isLocal: boolean): void {
    const groups = this.#byActor.get(actorId);
    if (groups === undefined) this.#byActor.set(actorId, group);
    else {
      const grown = withGroup(groups, group);
      if (grown !== groups) this.#byActor.set(actorId, grown);
    }
    if (isLocal) return;
    let actors = this.#byNode.get(nodeId);
    if (actors === undefined) this.#byNode.set(nodeId, (actors = new Set()));
    actors.add(actorId);
  }

  // Invariant: an actor is in #byActor (and, hosted elsewhere, under its node in
  // #byNode) iff it is a member of at least one group.
  #unindex(actorId: ActorId, nodeId: NodeId, group: GroupState, isLocal: boolean): void {
    const groups = this.#byActor.get(actorId);
    if (groups === undefined) return;
    const rest = withoutGroup(groups, group);
    if (rest === groups) return;
    if (rest !== null) {
      this.#byActor.set(actorId, rest);
      return;
    }
    this.#byActor.delete(actorId);
    if (isLocal) return;
    const actors = this.#byNode.get(nodeId);
    actors?.delete(actorId);
    if (actors?.size === 0) this.#byNode.delete(nodeId);
  }
}

/** An actor's groups: one group as itself, a few as an array, many as a set. */
type Groups = GroupState | GroupState[] | Set<GroupState>;

/** Beyond this many groups an actor's groups are a set, so a leave stays O(1). */
const SMALL = 8;

function listOf(groups: Groups): GroupState[] {
  if (groups instanceof GroupState) return [groups];
  return [...groups];
}

function withGroup(groups: Groups, group: GroupState): Groups {
  if (groups instanceof GroupState) return groups === group ? groups : [groups, group];
  if (groups instanceof Set) return groups.add(group);
  if (groups.includes(group)) return groups;
  if (groups.length < SMALL) {
    groups.push(group);
    return groups;
  }
  return new Set([...groups, group]);
}

// The groups without `group`: the same object when it was not there (or was removed
// in place), null when none is left.
function withoutGroup(groups: Groups, group: GroupState): Groups | null {
  if (groups instanceof GroupState) return groups === group ? null : groups;
  if (groups instanceof Set) {
    groups.delete(group);
    return groups.size === 0 ? null : groups;
  }
  const at = groups.indexOf(group);
  if (at < 0) return groups;
  if (groups.length === 2) return groups[1 - at]!;
  groups[at] = groups[groups.length - 1]!;
  groups.pop();
  return groups;
}
