/**
 * Group: the members of one group, indexed for the two ways a publish reads them.
 *
 * - A publish with no topic reaches everyone: it walks a cached Audience (audience.ts),
 *   built once after a change and then shared by every publish until the next change.
 * - A publish with a topic reaches the members that joined without topics (their own
 *   cached audience) plus those the topic trie finds; members whose patterns cannot
 *   match are never looked at. A topic published again since the last change is
 *   answered by the group's TopicCache.
 *
 * Join counting follows Erlang `pg`: each join adds one, each leave takes one, and the
 * actor stops being a member when the count reaches zero. Topics merge across joins:
 * the member receives what any of its joins asked for, and a join with no topics means
 * everything. The kinds of member, and what each costs, are in members.ts. The set of
 * unfiltered members, which a topic publish needs, exists only while some member has
 * topics.
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { ActorId, GroupName, NodeId } from "../names.js";
import { type Audience, buildAudience, LeafAudience, MatchedAudience } from "./audience.js";
import { EVERYTHING, type FilteredMember, LocalMember, type Member, newMember, SoleJoin } from "./members.js";
import { TopicCache } from "./topic-cache.js";
import type { TopicPath } from "./topic-path.js";
import { distinct, Matches, TopicTrie } from "./topic-trie.js";

export type { Audience, Member };

// Where the trie collects the members of one topic publish; emptied after each.
const MATCHES = new Matches<FilteredMember>();
const DISTINCT: FilteredMember[] = [];

export class Group {
  // actor id → membership: join, leave and look-up in O(1).
  readonly members = new Map<ActorId, Member>();
  // Patterns of members that joined with topics: publish with a topic in O(matching).
  readonly #trie = new TopicTrie<FilteredMember>();
  // Members with more than one pattern: while there are none, no member is in two
  // leaves, and a match needs no per-member de-duplication.
  #overlapping = 0;
  // Members with no topic filter, which a topic publish reaches whatever the topic.
  // Kept only while the trie holds something; without filtered members a topic
  // publish reaches everyone and needs no such set.
  #unfiltered: Set<Member> | null = null;
  // Caches, dropped on every change and rebuilt by the next publish that needs them.
  #everyone: Audience | null = null;
  #unfilteredAudience: Audience | null = null;
  // Published topic → its audience, emptied with the caches above; made by the first
  // publish with a topic, so a group never published to that way costs nothing.
  #topics: TopicCache | null = null;
  /** Whose turn it is next in a round-robin `dispatch` or `pick`. */
  turn = 0;
  // Presence meta (JSON text) of the members that have some; made by the first.
  #meta: Map<ActorId, string> | null = null;

  constructor(
    readonly name: GroupName,
    readonly labels: Readonly<Record<string, string>>,
    readonly createdAtMs: number,
  ) {}

  get size(): number {
    return this.members.size;
  }

  /**
   * One join of a local actor: returns the new member, or null when the actor was a
   * member already (its count went up): no result object on the hot path.
   * `sole` is the actor's shared member, used when this is its first join, without topics.
   */
  joinLocal(sole: SoleJoin, topics: readonly string[]): Member | null {
    const member = this.members.get(sole.cell.id);
    if (member === undefined) return this.addLocal(sole, topics);
    this.#again(member, topics);
    return null;
  }

  /**
   * The first join of a local actor its caller knows is no member yet (no look-up):
   * `sole` is the actor's shared member, which it becomes when it joins without topics.
   */
  addLocal(sole: SoleJoin, topics: readonly string[]): Member {
    const cell = sole.cell;
    if (topics.length > 0) return this.#add(cell.id, cell.ref.nodeId, cell, topics, 1);
    this.members.set(cell.id, sole);
    this.#subscribe(sole);
    this.#changed();
    return sole;
  }

  /**
   * Sets a member absolutely (count and topics): another node's as its owner stated it
   * (`cell` null), or a local one put back as it was. A count of 0 removes it. Returns
   * what changed.
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
      this.#add(actorId, nodeId, cell, topics, count);
      return "joined";
    }
    if (member.nodeId !== nodeId) {
      // The id moved to another node (a restart elsewhere): replace, do not merge.
      this.remove(actorId);
      this.#add(actorId, nodeId, cell, topics, count);
      return "updated";
    }
    const counted = this.#withCount(member, count);
    if (!sameTopics(counted.topics, topics)) this.#replace(counted, topics, count);
    return "updated";
  }

  /** Takes one join away. Returns true when that was the last and the actor left. */
  leave(member: Member): boolean {
    if (!(member instanceof SoleJoin) && --member.count > 0) return false;
    this.#delete(member);
    return true;
  }

  /** Removes a member whatever its count (its actor stopped, its node died). */
  remove(actorId: ActorId): Member | undefined {
    const member = this.members.get(actorId);
    if (member !== undefined) this.#delete(member);
    return member;
  }

  /** A member's presence meta as JSON text; "" when it has none. */
  metaOf(actorId: ActorId): string {
    return this.#meta?.get(actorId) ?? "";
  }

  /** Sets a member's presence meta ("" clears it); true when that changed it. */
  setMeta(actorId: ActorId, meta: string): boolean {
    if ((this.#meta?.get(actorId) ?? "") === meta) return false;
    if (meta === "") this.#meta!.delete(actorId);
    else (this.#meta ??= new Map()).set(actorId, meta);
    return true;
  }

  /** Everyone: the audience of a publish without a topic. */
  everyone(): Audience {
    return (this.#everyone ??= buildAudience(this.members.values()));
  }

  /**
   * The audience a publish with `topic` reached since the last change, if one did: the
   * topic is then known to be valid, and needs neither a split nor a match.
   */
  published(topic: string): Audience | undefined {
    return this.#topics?.get(topic);
  }

  /**
   * The audience of a publish with the topic `path` was read from: members without a
   * filter plus those with a matching pattern, each once. It is remembered for
   * `published` until the next change.
   */
  matching(path: TopicPath): Audience {
    const topic = path.topic;
    if (this.#trie.size === 0) {
      const everyone = this.everyone();
      this.#remember(topic, everyone, false);
      return everyone;
    }
    const unfiltered = (this.#unfilteredAudience ??= buildAudience(this.#unfiltered!.values()));
    // The trie fills scratch arrays reused by every publish; the audience copies out
    // what it keeps before returning, so nothing holds the scratch afterwards.
    const matches = MATCHES;
    let audience: Audience = unfiltered;
    try {
      this.#trie.collect(path, matches);
      if (!matches.isEmpty) {
        if (this.#overlapping === 0) audience = new LeafAudience(unfiltered, matches);
        else {
          distinct(matches, DISTINCT);
          audience = new MatchedAudience(unfiltered, DISTINCT);
        }
      }
    } finally {
      matches.clear();
      if (DISTINCT.length > 0) DISTINCT.length = 0;
    }
    this.#remember(topic, audience, audience !== unfiltered);
    return audience;
  }

  #remember(topic: string, audience: Audience, owned: boolean): void {
    (this.#topics ??= new TopicCache()).set(topic, audience, owned);
  }

  #add(
    actorId: ActorId,
    nodeId: NodeId,
    cell: ActorCell | null,
    topics: readonly string[],
    count: number,
  ): Member {
    const member = newMember(actorId, nodeId, cell, count, topics.length === 0 ? EVERYTHING : dedupe(topics));
    this.members.set(actorId, member);
    this.#subscribe(member);
    this.#changed();
    return member;
  }

  // Another join of an existing member: count up, topics merged.
  #again(member: Member, topics: readonly string[]): Member {
    if (member instanceof SoleJoin) return this.#withCount(member, 2); // receives everything
    member.count += 1;
    if (!member.isFiltered) return member; // already receives everything
    if (topics.length === 0) return this.#replace(member, EVERYTHING, member.count);
    const added = topics.filter((t) => !member.topics.includes(t));
    if (added.length === 0) return member;
    if (member.topics.length === 1) this.#overlapping++;
    member.topics = dedupe([...member.topics, ...added]);
    for (const pattern of dedupe(added)) this.#trie.add(pattern, member);
    this.#changed();
    return member;
  }

  // Gives a member new topics; the object is replaced when its kind changes.
  #replace(member: Member, topics: readonly string[], count: number): Member {
    this.#unsubscribe(member);
    const next = newMember(
      member.actorId,
      member.nodeId,
      member.cell,
      count,
      topics.length === 0 ? EVERYTHING : dedupe(topics),
    );
    this.members.set(next.actorId, next);
    this.#subscribe(next);
    this.#changed();
    return next;
  }

  // The member with `count` joins: the same object, or (a shared SoleJoin cannot count
  // past 1) a LocalMember in its place.
  #withCount(member: Member, count: number): Member {
    if (!(member instanceof SoleJoin)) {
      member.count = count;
      return member;
    }
    if (count === 1) return member;
    const counted = new LocalMember(member.cell, count);
    this.members.set(counted.actorId, counted);
    this.#unsubscribe(member);
    this.#subscribe(counted);
    this.#changed();
    return counted;
  }

  #delete(member: Member): void {
    this.members.delete(member.actorId);
    this.#meta?.delete(member.actorId);
    this.#unsubscribe(member);
    this.#changed();
  }

  #subscribe(member: Member): void {
    if (!member.isFiltered) {
      this.#unfiltered?.add(member);
      return;
    }
    if (this.#unfiltered === null) {
      this.#unfiltered = new Set();
      for (const other of this.members.values()) if (!other.isFiltered) this.#unfiltered.add(other);
    }
    for (const pattern of member.topics) this.#trie.add(pattern, member);
    if (member.topics.length > 1) this.#overlapping++;
  }

  #unsubscribe(member: Member): void {
    if (!member.isFiltered) {
      this.#unfiltered?.delete(member);
      return;
    }
    for (const pattern of member.topics) this.#trie.remove(pattern, member);
    if (member.topics.length > 1) this.#overlapping--;
    if (this.#trie.size === 0) this.#unfiltered = null;
  }

  /** The group is gone: its topic cache leaves the process-wide account. */
  release(): void {
    this.#topics?.release();
    this.#topics = null;
  }

  #changed(): void {
    this.#everyone = null;
    this.#unfilteredAudience = null;
    this.#topics?.clear();
  }
}

function dedupe(topics: readonly string[]): readonly string[] {
  if (topics.length === 1) return Object.freeze([topics[0]!]);
  return Object.freeze([...new Set(topics)].sort());
}

function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return a.length === b.length;
  const sorted = dedupe(b);
  return a.length === sorted.length && a.every((t, i) => t === sorted[i]);
}
