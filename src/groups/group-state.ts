/**
 * GroupState: the members of one group, indexed for the two ways a publish reads them.
 *
 * - A publish with no topic reaches everyone: it walks a cached `Audience` — the local
 *   mailboxes as one array, the ids, and a count per remote node — built once after a
 *   change and then shared by every publish until the next change. Arrays are never
 *   mutated after they are built, so a delivery in progress (or queued) keeps a stable
 *   snapshot while behaviours join and leave under it.
 * - A publish with a topic reaches the members that joined without topics (their own
 *   cached audience) plus those the topic trie finds; members whose patterns cannot
 *   match are never looked at.
 *
 * Join counting follows Erlang `pg`: each join adds one, each leave takes one, and the
 * actor stops being a member when the count reaches zero. Topics merge across joins:
 * the member receives what any of its joins asked for, and a join with no topics means
 * everything.
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { ActorId, GroupName, NodeId } from "../names.js";
import { type Stamped, TopicTrie } from "./topic-trie.js";

const EVERYTHING: readonly string[] = Object.freeze([]);

export class Member implements Stamped {
  stamp = 0;
  constructor(
    readonly actorId: ActorId,
    readonly nodeId: NodeId,
    /** How many joins are not yet matched by a leave; the member exists while it is > 0. */
    public count: number,
    /** Subscription patterns; empty means every message. */
    public topics: readonly string[],
    /** The local mailbox, or null when the actor lives on another node. */
    readonly cell: ActorCell | null,
  ) {}

  get isFiltered(): boolean {
    return this.topics.length > 0;
  }
}

/** Who a publish reaches, split the way delivery needs it. Immutable once built. */
export interface Audience {
  /** Mailboxes on this node. */
  readonly cells: readonly ActorCell[];
  /** Every member's id, local and remote. */
  readonly ids: readonly ActorId[];
  /** Members per other node. */
  readonly remote: ReadonlyMap<NodeId, number>;
}

export class GroupState {
  // actor id → membership: join, leave and look-up in O(1).
  readonly members = new Map<ActorId, Member>();
  // Patterns of members that joined with topics: publish with a topic in O(matching).
  readonly #trie = new TopicTrie<Member>();
  // Members with no topic filter; a topic publish reaches all of them.
  readonly #unfiltered = new Set<Member>();
  // Caches, dropped on every change and rebuilt by the next publish that needs them.
  #everyone: Audience | null = null;
  #unfilteredAudience: Audience | null = null;

  constructor(
    readonly name: GroupName,
    readonly labels: Readonly<Record<string, string>>,
    readonly createdAtMs: number,
  ) {}

  get size(): number {
    return this.members.size;
  }

  /**
   * Adds one join. Returns the member and whether it is new. `topics` are validated
   * patterns; empty means everything.
   */
  join(
    actorId: ActorId,
    nodeId: NodeId,
    cell: ActorCell | null,
    topics: readonly string[],
    times = 1,
  ): { member: Member; isNew: boolean } {
    let member = this.members.get(actorId);
    if (member === undefined) {
      member = new Member(actorId, nodeId, times, topics.length === 0 ? EVERYTHING : dedupe(topics), cell);
      this.members.set(actorId, member);
      this.#subscribe(member, member.topics);
      this.#changed();
      return { member, isNew: true };
    }
    member.count += times;
    this.#mergeTopics(member, topics);
    return { member, isNew: false };
  }

  /**
   * Sets a member's state absolutely (count and topics), as a replica applying another
   * node's write does. A count of 0 removes it. Returns what changed.
   */
  assign(
    actorId: ActorId,
    nodeId: NodeId,
    cell: ActorCell | null,
    count: number,
    topics: readonly string[],
  ): "joined" | "left" | "updated" | "unchanged" {
    const member = this.members.get(actorId);
    if (count <= 0) return member !== undefined && this.remove(actorId) ? "left" : "unchanged";
    if (member === undefined) {
      this.join(actorId, nodeId, cell, topics, count);
      return "joined";
    }
    if (member.nodeId !== nodeId) {
      // The id moved to another node (a restart elsewhere): replace, do not merge.
      this.remove(actorId);
      this.join(actorId, nodeId, cell, topics, count);
      return "updated";
    }
    member.count = count;
    if (!sameTopics(member.topics, topics)) {
      this.#unsubscribe(member);
      member.topics = topics.length === 0 ? EVERYTHING : dedupe(topics);
      this.#subscribe(member, member.topics);
      this.#changed();
    }
    return "updated";
  }

  /** Takes one join away. Returns true when that was the last and the actor left. */
  leave(member: Member): boolean {
    if (--member.count > 0) return false;
    this.remove(member.actorId);
    return true;
  }

  /** Removes a member whatever its count (its actor stopped, its node died). */
  remove(actorId: ActorId): Member | undefined {
    const member = this.members.get(actorId);
    if (member === undefined) return undefined;
    this.members.delete(actorId);
    this.#unsubscribe(member);
    this.#changed();
    return member;
  }

  /** Everyone: the audience of a publish without a topic. */
  everyone(): Audience {
    return (this.#everyone ??= buildAudience(this.members.values()));
  }

  /**
   * The audience of a publish with `topic` (already split): members without a filter
   * plus those with a matching pattern, each once.
   */
  matching(topic: readonly string[]): Audience {
    if (this.#trie.size === 0) return this.everyone();
    const unfiltered = (this.#unfilteredAudience ??= buildAudience(this.#unfiltered));
    const matched: Member[] = [];
    if (this.#trie.collect(topic, matched) === 0) return unfiltered;
    return buildAudience(matched, unfiltered);
  }

  #mergeTopics(member: Member, topics: readonly string[]): void {
    if (!member.isFiltered) return; // already receives everything
    if (topics.length === 0) {
      this.#unsubscribe(member);
      member.topics = EVERYTHING;
      this.#subscribe(member, EVERYTHING);
      this.#changed();
      return;
    }
    const added = topics.filter((t) => !member.topics.includes(t));
    if (added.length === 0) return;
    member.topics = dedupe([...member.topics, ...added]);
    for (const pattern of dedupe(added)) this.#trie.add(pattern.split("."), member);
    this.#changed();
  }

  #subscribe(member: Member, topics: readonly string[]): void {
    if (topics.length === 0) {
      this.#unfiltered.add(member);
      return;
    }
    for (const pattern of topics) this.#trie.add(pattern.split("."), member);
  }

  #unsubscribe(member: Member): void {
    if (!member.isFiltered) {
      this.#unfiltered.delete(member);
      return;
    }
    for (const pattern of member.topics) this.#trie.remove(pattern.split("."), member);
  }

  #changed(): void {
    this.#everyone = null;
    this.#unfilteredAudience = null;
  }
}

function buildAudience(members: Iterable<Member>, base?: Audience): Audience {
  const cells: ActorCell[] = base ? [...base.cells] : [];
  const ids: ActorId[] = base ? [...base.ids] : [];
  const remote = new Map<NodeId, number>(base?.remote);
  for (const member of members) {
    ids.push(member.actorId);
    if (member.cell !== null) cells.push(member.cell);
    else remote.set(member.nodeId, (remote.get(member.nodeId) ?? 0) + 1);
  }
  return { cells, ids, remote };
}

function dedupe(topics: readonly string[]): readonly string[] {
  return Object.freeze([...new Set(topics)].sort());
}

function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return a.length === b.length;
  const sorted = dedupe(b);
  return a.length === sorted.length && a.every((t, i) => t === sorted[i]);
}
