/**
 * The kinds of membership a group holds, each as small as its case allows: a group of
 * a million is a supported size. A local member that joined once without topics is the
 * actor's own SoleJoin, shared by all the groups it joined so (no object per
 * membership); joined more often, it is two fields (its cell and its count; the id and
 * node are the cell's); only members with topics carry a topic list and a match stamp,
 * and only remote members carry their id and node.
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { ActorId, NodeId } from "../names.js";
import type { Stamped } from "./topic-trie.js";

/** The topics of a member that receives everything. */
export const EVERYTHING: readonly string[] = Object.freeze([]);

/** One actor's membership of one group. */
export type Member = SoleJoin | LocalMember | FilteredLocalMember | RemoteMember;

/** A member the topic trie may hold: one with patterns (a remote member, when it has some). */
export type FilteredMember = FilteredLocalMember | RemoteMember;

// What the two kinds of local member that receive everything have in common.
abstract class UnfilteredLocal {
  constructor(
    /** The local mailbox. */
    readonly cell: ActorCell,
  ) {}
  get actorId(): ActorId {
    return this.cell.id;
  }
  get nodeId(): NodeId {
    return this.cell.ref.nodeId;
  }
  /** Subscription patterns; empty means every message. */
  get topics(): readonly string[] {
    return EVERYTHING;
  }
  get isFiltered(): false {
    return false;
  }
}

/**
 * A local actor that joined once, without topics: the common membership. Its count is
 * 1 by construction, so one such object per actor (kept with the actor by its owner,
 * see ScopeIndex) serves every group the actor joined that way, and a join
 * allocates nothing. A second join replaces it with a LocalMember.
 */
export class SoleJoin extends UnfilteredLocal {
  get count(): 1 {
    return 1;
  }
}

/** A local actor that receives every message, joined more than once. */
export class LocalMember extends UnfilteredLocal {
  constructor(
    cell: ActorCell,
    /** How many joins are not yet matched by a leave; the member exists while it is > 0. */
    public count: number,
  ) {
    super(cell);
  }
}

/** A local actor subscribed to some topic patterns. */
class FilteredLocalMember implements Stamped {
  stamp = 0;
  constructor(
    readonly cell: ActorCell,
    public count: number,
    public topics: readonly string[],
  ) {}
  get actorId(): ActorId {
    return this.cell.id;
  }
  get nodeId(): NodeId {
    return this.cell.ref.nodeId;
  }
  get isFiltered(): true {
    return true;
  }
}

/** An actor hosted by another node, as this node's replica knows it. */
class RemoteMember implements Stamped {
  stamp = 0;
  readonly cell = null;
  constructor(
    readonly actorId: ActorId,
    readonly nodeId: NodeId,
    public count: number,
    public topics: readonly string[],
  ) {}
  get isFiltered(): boolean {
    return this.topics.length > 0;
  }
}

export function newMember(
  actorId: ActorId,
  nodeId: NodeId,
  cell: ActorCell | null,
  count: number,
  topics: readonly string[],
): Member {
  if (cell === null) return new RemoteMember(actorId, nodeId, count, topics);
  return topics.length === 0 ? new LocalMember(cell, count) : new FilteredLocalMember(cell, count, topics);
}
