/**
 * ScopeMembership: every group of one scope and who is in them, as this node sees it.
 *
 * It is a plain index with no validation and no I/O: ProcessGroups checks input and
 * decides, a backend (in multi-node mode) reports other nodes' changes, and both end
 * up here. Every change of membership is also told to the scope's watchers.
 *
 * Reverse indexes make the two bulk removals cheap: an actor that stops leaves its
 * groups in O(its groups), and a dead node's members go in O(its members).
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { Scope } from "../errors.js";
import type { ActorId, GroupName, NodeId } from "../names.js";
import { GroupState } from "./group-state.js";
import { WatchHub } from "./watch.js";

export class ScopeMembership {
  readonly hub: WatchHub;
  // name → group: every group operation starts here.
  readonly #groups = new Map<GroupName, GroupState>();
  // Group names in order, for listGroups; dropped on create and delete.
  #sortedNames: GroupName[] | null = null;
  // actor id → the groups it is in: an actor's stop is O(its groups).
  readonly #byActor = new Map<ActorId, Set<GroupState>>();
  // node id → its actors that are members of something here: a node's death is O(its members).
  readonly #byNode = new Map<NodeId, Set<ActorId>>();

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
    for (const member of group.members.values()) this.#unindex(member.actorId, member.nodeId, group);
    this.hub.emit({ type: "deleted", group: name });
    return true;
  }

  /** One join by a local actor (count +1, topics merged). */
  join(group: GroupState, cell: ActorCell, nodeId: NodeId, topics: readonly string[]): void {
    const { isNew } = group.join(cell.id, nodeId, cell, topics);
    if (isNew) this.#joined(group, cell.id, nodeId);
  }

  /** One leave (count −1). Returns true when the actor is no longer a member. */
  leave(group: GroupState, actorId: ActorId): boolean {
    const member = group.members.get(actorId);
    if (member === undefined || !group.leave(member)) return false;
    this.#left(group, actorId, member.nodeId);
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
    const previousNode = group.members.get(actorId)?.nodeId;
    const change = group.assign(actorId, nodeId, cell, count, topics);
    if (change === "joined") this.#joined(group, actorId, nodeId);
    else if (change === "left") this.#left(group, actorId, previousNode ?? nodeId);
    else if (change === "updated" && previousNode !== undefined && previousNode !== nodeId) {
      this.#unindex(actorId, previousNode, group);
      this.#index(actorId, nodeId, group);
    }
  }

  /** Removes an actor from every group at once, whatever its counts (it stopped). */
  removeActor(actorId: ActorId): GroupName[] {
    const groups = this.#byActor.get(actorId);
    if (groups === undefined) return [];
    const left: GroupName[] = [];
    for (const group of [...groups]) {
      const member = group.remove(actorId);
      if (member === undefined) continue;
      this.#left(group, actorId, member.nodeId);
      left.push(group.name);
    }
    return left;
  }

  /** Removes every membership hosted by a node (it died or left the cluster). */
  removeNode(nodeId: NodeId): number {
    const actors = this.#byNode.get(nodeId);
    if (actors === undefined) return 0;
    let removed = 0;
    for (const actorId of [...actors]) {
      for (const group of [...(this.#byActor.get(actorId) ?? [])]) {
        const member = group.members.get(actorId);
        if (member?.nodeId !== nodeId) continue;
        group.remove(actorId);
        this.#left(group, actorId, nodeId);
        removed++;
      }
    }
    return removed;
  }

  /** The groups an actor is a member of. */
  groupsOf(actorId: ActorId): readonly GroupState[] {
    return [...(this.#byActor.get(actorId) ?? [])];
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

  #joined(group: GroupState, actorId: ActorId, nodeId: NodeId): void {
    this.#index(actorId, nodeId, group);
    if (this.hub.isWatched) this.hub.emit({ type: "joined", group: group.name, actorId, nodeId });
  }

  #left(group: GroupState, actorId: ActorId, nodeId: NodeId): void {
    this.#unindex(actorId, nodeId, group);
    if (this.hub.isWatched) this.hub.emit({ type: "left", group: group.name, actorId, nodeId });
  }

  #index(actorId: ActorId, nodeId: NodeId, group: GroupState): void {
    let groups = this.#byActor.get(actorId);
    if (groups === undefined) this.#byActor.set(actorId, (groups = new Set()));
    groups.add(group);
    let actors = this.#byNode.get(nodeId);
    if (actors === undefined) this.#byNode.set(nodeId, (actors = new Set()));
    actors.add(actorId);
  }

  // Invariant: an actor is in #byActor (and under its node in #byNode) iff it is a
  // member of at least one group.
  #unindex(actorId: ActorId, nodeId: NodeId, group: GroupState): void {
    const groups = this.#byActor.get(actorId);
    if (groups === undefined) return;
    groups.delete(group);
    if (groups.size > 0) return;
    this.#byActor.delete(actorId);
    const actors = this.#byNode.get(nodeId);
    actors?.delete(actorId);
    if (actors?.size === 0) this.#byNode.delete(nodeId);
  }
}
