/**
 * Audience: who a publish reaches, in the shapes delivery and the publish result need
 * — the local actors as cells and as the dispatcher's slots, every member's id, and a
 * count per other node. An audience is immutable once built, so a group caches one and
 * hands it to every publish until its membership changes, and a delivery in progress
 * (or queued) keeps a stable snapshot while behaviours join and leave under it.
 */
import type { ActorCell, ActorContext, Behaviour } from "../actors/actor-cell.js";
import type { Slots, Targets } from "../actors/dispatcher.js";
import type { ActorId, NodeId } from "../names.js";
import type { FilteredMember, Member } from "./members.js";
import type { Leaf, Matches } from "./topic-trie.js";

/** Who a publish reaches, split the way delivery needs it. Immutable once built. */
export interface Audience extends Targets {
  /** Mailboxes on this node. */
  readonly cells: readonly ActorCell[];
  /** How many: `cells.length`, which an audience may know before it builds `cells`. */
  readonly localCount: number;
  /** The same actors as `cells`, in the same order, as the dispatcher's table slots. */
  readonly slots: Slots;
  /** Every member's id, local and remote. */
  readonly ids: readonly ActorId[];
  /** Members per other node. */
  readonly remote: ReadonlyMap<NodeId, number>;
  /** The sum of `remote`. */
  readonly remoteCount: number;
}

const NO_REMOTE: ReadonlyMap<NodeId, number> = new Map();

/**
 * The audience of `members`, in their order. A group keeps it until its membership
 * changes, so it also carries each local member's behaviour and context in order.
 */
export function buildAudience(members: Iterable<Member>): Audience {
  const cells: ActorCell[] = [];
  const behaviours: Behaviour[] = [];
  const contexts: ActorContext[] = [];
  const ids: ActorId[] = [];
  let remote: Map<NodeId, number> | null = null;
  let remoteCount = 0;
  for (const member of members) {
    ids.push(member.actorId);
    if (member.cell !== null) {
      cells.push(member.cell);
      behaviours.push(member.cell.behaviour);
      contexts.push(member.cell.context);
    } else {
      remote ??= new Map();
      remote.set(member.nodeId, (remote.get(member.nodeId) ?? 0) + 1);
      remoteCount++;
    }
  }
  return {
    cells,
    localCount: cells.length,
    slots: slotsOf(cells),
    behaviours,
    contexts,
    ids,
    remote: remote ?? NO_REMOTE,
    remoteCount,
  };
}

/** The table slots of `cells`, in order. */
function slotsOf(cells: readonly ActorCell[]): Slots {
  // Pushed, not pre-sized: the array stays packed, which the delivery loop reads fastest.
  const slots: number[] = [];
  for (let i = 0; i < cells.length; i++) slots.push(cells[i]!.slot);
  return slots;
}

// The audience of one topic publish: the unfiltered members plus those the trie found.
// The cells are built at once, in one array (delivery needs them, and a queued
// delivery keeps them); ids and the per-node counts only if someone reads them. When
// no member is remote the cells alone give the ids, in order, so the matched members
// are kept only when some are remote.
export class MatchedAudience implements Audience {
  readonly cells: readonly ActorCell[];
  readonly localCount: number;
  readonly slots: Slots;
  readonly behaviours = null;
  readonly contexts = null;
  readonly remoteCount: number;
  #ids: readonly ActorId[] | null = null;
  #remote: ReadonlyMap<NodeId, number> | null = null;
  readonly #base: Audience;
  // The matched members, copied out of the scratch; null when none is remote.
  readonly #matched: readonly Member[] | null;

  constructor(base: Audience, matched: readonly Member[]) {
    this.#base = base;
    const baseCells = base.cells;
    let local = 0;
    for (let i = 0; i < matched.length; i++) if (matched[i]!.cell !== null) local++;
    // Sized exactly: the array never grows nor shrinks.
    const cells: ActorCell[] = new Array(baseCells.length + local);
    const slots = base.slots.slice();
    let n = 0;
    for (let i = 0; i < baseCells.length; i++) cells[n++] = baseCells[i]!;
    for (let i = 0; i < matched.length; i++) {
      const cell = matched[i]!.cell;
      if (cell !== null) {
        slots.push(cell.slot);
        cells[n++] = cell;
      }
    }
    const remoteCount = base.remoteCount + matched.length - local;
    this.cells = cells;
    this.localCount = cells.length;
    this.slots = slots;
    this.remoteCount = remoteCount;
    this.#matched = remoteCount === 0 ? null : matched.slice();
  }

  get ids(): readonly ActorId[] {
    if (this.#ids === null) {
      const matched = this.#matched;
      if (matched === null) {
        // Nobody remote: base cells then matched cells, as base ids then matched ids.
        const cells = this.cells;
        const ids: ActorId[] = new Array(cells.length);
        for (let i = 0; i < cells.length; i++) ids[i] = cells[i]!.id;
        this.#ids = ids;
      } else {
        const ids = this.#base.ids.slice();
        for (const member of matched) ids.push(member.actorId);
        this.#ids = ids;
      }
    }
    return this.#ids;
  }

  get remote(): ReadonlyMap<NodeId, number> {
    if (this.#remote === null) {
      const matched = this.#matched;
      if (matched === null || this.remoteCount === this.#base.remoteCount) {
        return (this.#remote = this.#base.remote);
      }
      const remote = new Map(this.#base.remote);
      for (const member of matched) {
        if (member.cell === null) remote.set(member.nodeId, (remote.get(member.nodeId) ?? 0) + 1);
      }
      this.#remote = remote;
    }
    return this.#remote;
  }
}

/**
 * The audience of one topic publish in a group where no member has two patterns, so no
 * member is in two leaves: the unfiltered members plus the leaves the trie found, taken
 * whole. Only the slots are built at once, from the leaves' own slot arrays, without
 * reading a member; cells, ids and the per-node counts wait until someone reads them.
 */
export class LeafAudience implements Audience {
  readonly slots: Slots;
  readonly behaviours = null;
  readonly contexts = null;
  readonly localCount: number;
  readonly remoteCount: number;
  readonly #base: Audience;
  readonly #singles: readonly FilteredMember[];
  readonly #leaves: readonly Leaf<FilteredMember>[];
  #cells: readonly ActorCell[] | null = null;
  #ids: readonly ActorId[] | null = null;
  #remote: ReadonlyMap<NodeId, number> | null = null;

  constructor(base: Audience, matches: Matches<FilteredMember>) {
    const { singles, singleCount, leaves, leafCount } = matches;
    const baseSlots = base.slots;
    let singlesHere = 0;
    for (let i = 0; i < singleCount; i++) if (singles[i]!.cell !== null) singlesHere++;
    let remoteCount = base.remoteCount + singleCount - singlesHere;
    let local = baseSlots.length + singlesHere;
    for (let i = 0; i < leafCount; i++) {
      local += leaves[i]!.slots.length;
      remoteCount += leaves[i]!.remote;
    }
    // Sized once: the slots are copied, never pushed past a reallocation.
    const slots: number[] = new Array(local);
    let n = 0;
    for (; n < baseSlots.length; n++) slots[n] = baseSlots[n]!;
    for (let i = 0; i < singleCount; i++) {
      const cell = singles[i]!.cell;
      if (cell !== null) slots[n++] = cell.slot;
    }
    for (let i = 0; i < leafCount; i++) {
      const own = leaves[i]!.slots;
      for (let k = 0; k < own.length; k++) slots[n++] = own[k]!;
    }
    this.slots = slots;
    this.localCount = local;
    this.remoteCount = remoteCount;
    this.#base = base;
    this.#singles = singles.slice(0, singleCount) as FilteredMember[];
    this.#leaves = leaves.slice(0, leafCount) as Leaf<FilteredMember>[];
  }

  // Every matched member, in the order of the slots: singles, then leaf by leaf.
  #forEachMatched(visit: (member: FilteredMember) => void): void {
    for (const member of this.#singles) visit(member);
    for (const leaf of this.#leaves) for (const member of leaf.values) visit(member);
  }

  get cells(): readonly ActorCell[] {
    if (this.#cells === null) {
      const cells = this.#base.cells.slice();
      this.#forEachMatched((member) => {
        if (member.cell !== null) cells.push(member.cell);
      });
      this.#cells = cells;
    }
    return this.#cells;
  }

  get ids(): readonly ActorId[] {
    if (this.#ids === null) {
      const ids = this.#base.ids.slice();
      this.#forEachMatched((member) => ids.push(member.actorId));
      this.#ids = ids;
    }
    return this.#ids;
  }

  get remote(): ReadonlyMap<NodeId, number> {
    if (this.#remote === null) {
      if (this.remoteCount === this.#base.remoteCount) return (this.#remote = this.#base.remote);
      const remote = new Map(this.#base.remote);
      this.#forEachMatched((member) => {
        if (member.cell === null) remote.set(member.nodeId, (remote.get(member.nodeId) ?? 0) + 1);
      });
      this.#remote = remote;
    }
    return this.#remote;
  }
}

/**
 * `audience` less the actors in `excluded` (ids; members of the group `members`): its
 * cells, slots and ids filtered, and each excluded remote member taken off its node's count.
 */
export function without(
  audience: Audience,
  members: ReadonlyMap<ActorId, Member>,
  excluded: ReadonlySet<ActorId>,
): Audience {
  const remote = new Map(audience.remote);
  for (const id of excluded) {
    const member = members.get(id);
    if (member === undefined || member.cell !== null || !remote.has(member.nodeId)) continue;
    if (!audience.ids.includes(id)) continue;
    const left = remote.get(member.nodeId)! - 1;
    if (left > 0) remote.set(member.nodeId, left);
    else remote.delete(member.nodeId);
  }
  let remoteCount = 0;
  for (const count of remote.values()) remoteCount += count;
  const cells = audience.cells.filter((cell) => !excluded.has(cell.id));
  return {
    cells,
    localCount: cells.length,
    slots: slotsOf(cells),
    behaviours: null,
    contexts: null,
    ids: audience.ids.filter((id) => !excluded.has(id)),
    remote,
    remoteCount,
  };
}
