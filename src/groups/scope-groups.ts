/**
 * ScopeGroups: the groups of one scope on this node — every operation, synchronous.
 *
 * It validates all input before it changes anything, so a call that throws leaves the
 * scope as it was; it then changes the scope's index and hands messages to the local
 * members. It knows nothing of other nodes: the scope's handle (embedded-groups.ts, or
 * cluster/clustered-groups.ts, which shares the changes over Redis) wraps it, and what
 * other nodes did arrives through remote-changes.ts. Isolation is structural: a core
 * holds only its own scope's index, and an actor of another scope is refused.
 */
import { ActorRef, CELL } from "../actors/actor-ref.js";
import type { Dispatcher } from "../actors/dispatcher.js";
import type { Courier, MemberRef } from "../actors/member-ref.js";
import type { ActorRuntime } from "../actors/runtime.js";
import {
  ActorNotFoundError,
  GroupAlreadyExistsError,
  GroupNotFoundError,
  InvalidArgumentError,
  NotAMemberError,
} from "../errors.js";
import {
  type ActorId,
  encodeMeta,
  type GroupName,
  type NodeId,
  parseSubscriptions,
  type Scope,
  scopeKey,
  validateGroupName,
  validateLabels,
  validateMessage,
} from "../names.js";
import { actorIdOf, checkOptions, excludedIds, localActor } from "./arguments.js";
import { type Audience, without } from "./audience.js";
import type { Group } from "./group.js";
import { type GroupPage, listPage } from "./listing.js";
import { describeGroup, describeMembers, memberRef } from "./member-views.js";
import type { Member } from "./members.js";
import { type MembershipChange, membershipOf, undoChange } from "./membership-change.js";
import type {
  ActorLike,
  AddressOptions,
  CreateGroupOptions,
  JoinOptions,
  ListGroupsOptions,
  MemberInfo,
  ProcessGroup,
  PublishOptions,
} from "./process-groups.js";
import { PublishResult } from "./publish-result.js";
import { ScopeIndex } from "./scope-index.js";
import { TopicPath } from "./topic-path.js";
import type { MembershipEvent, WatchOptions } from "./watch.js";

/** What a core needs from the node that made it. */
export interface CoreHost {
  readonly nodeId: NodeId;
  readonly runtime: ActorRuntime;
  /** Where a MemberRef's sends and asks go. */
  readonly courier: Courier;
  /** Milliseconds since the epoch, for `createdAt`; a finite number. */
  now(): number;
}

/** A group about to be created: validated, not yet in the index. */
export interface GroupRecord {
  readonly name: GroupName;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAtMs: number;
}

/** A publish that passed validation: who it reaches, not yet delivered. */
export interface PreparedPublish {
  readonly group: Group;
  readonly audience: Audience;
  readonly topic: string | undefined;
  readonly excluded: readonly ActorId[];
}

const NOBODY: readonly ActorId[] = Object.freeze([]);
const PUBLISHED = new TopicPath();

export class ScopeGroups {
  readonly scope: Scope;
  readonly key: string;
  readonly index: ScopeIndex;
  readonly #host: CoreHost;

  constructor(scope: Scope, host: CoreHost) {
    this.scope = scope;
    this.key = scopeKey(scope);
    this.index = new ScopeIndex(scope);
    this.#host = host;
  }

  get nodeId(): NodeId {
    return this.#host.nodeId;
  }

  get dispatcher(): Dispatcher {
    return this.#host.runtime.dispatcher;
  }

  /** Validates a create; throws GroupAlreadyExistsError if this node knows the name. */
  prepareCreate(name: unknown, options: CreateGroupOptions | undefined): GroupRecord {
    validateGroupName(name);
    checkOptions(options, "createGroup");
    const labels = validateLabels(options?.labels);
    if (this.index.get(name) !== undefined) throw new GroupAlreadyExistsError(name, this.scope);
    const createdAtMs = this.#host.now();
    if (!Number.isFinite(createdAtMs)) {
      throw new InvalidArgumentError("clock", `must return a finite number, not ${String(createdAtMs)}`);
    }
    return { name, labels, createdAtMs };
  }

  create(record: GroupRecord): Group {
    return this.index.create(record.name, record.labels, record.createdAtMs);
  }

  delete(name: unknown): void {
    validateGroupName(name);
    this.index.delete(name);
  }

  /** The group of that name, or GroupNotFoundError; InvalidNameError for a bad name. */
  group(name: unknown): Group {
    const group = this.lookUp(name);
    if (group === undefined) throw new GroupNotFoundError(name as GroupName, this.scope);
    return group;
  }

  /** The group of that name if this node shows it; undefined for anything else, without an error. */
  lookUpQuietly(name: unknown): Group | undefined {
    return typeof name === "string" ? this.index.get(name) : undefined;
  }

  // Only valid names are ever stored, so a name that is found needs no validation.
  lookUp(name: unknown): Group | undefined {
    const group = typeof name === "string" ? this.index.get(name) : undefined;
    if (group === undefined) validateGroupName(name);
    return group;
  }

  /**
   * One join of a local actor: its count goes up by one and its topics merge with those
   * it had (no topics, now or before, means every message).
   */
  join(name: unknown, actor: ActorLike, options: JoinOptions | undefined): void {
    const { group, cell, topics, meta } = this.checkJoin(name, actor, options);
    this.index.join(group, cell, this.#host.nodeId, topics, meta);
  }

  /** `join`, also saying what the membership was before and after, so it can be undone. */
  joinTracked(name: unknown, actor: ActorLike, options: JoinOptions | undefined): MembershipChange {
    const { group, cell, topics, meta } = this.checkJoin(name, actor, options);
    const before = membershipOf(group, cell);
    this.index.join(group, cell, this.#host.nodeId, topics, meta);
    return { group, cell, kind: "join", before, after: membershipOf(group, cell) };
  }

  /**
   * Replaces a local member's presence meta (null clears it), saying what it was so it
   * can be undone: NotAMemberError when the actor is no member.
   */
  updateMetaTracked(name: unknown, actor: ActorLike, meta: unknown): MembershipChange {
    const found = this.lookUp(name);
    const actorId = actorIdOf(this.scope, actor, name as GroupName);
    const text =
      meta === null ? "" : encodeMeta(meta, `actor '${actorId}' in group '${String(name)}'`, this.scope);
    const group = found ?? this.group(name);
    const cell = this.memberToLeave(group, actor, actorId).cell!;
    const before = membershipOf(group, cell);
    this.index.setMeta(group, cell.id, this.#host.nodeId, text);
    return { group, cell, kind: "meta", before, after: membershipOf(group, cell) };
  }

  /** A join checked and not yet made: the group, the actor's cell, its topics and meta (JSON text). */
  checkJoin(name: unknown, actor: ActorLike, options: JoinOptions | undefined) {
    const found = this.lookUp(name);
    checkOptions(options, "joinGroup");
    const topics = parseSubscriptions(options?.topics);
    const visible = options?.visible;
    if (visible !== undefined && visible !== "cluster") {
      throw new InvalidArgumentError("visible", 'must be "cluster" when given');
    }
    const group = found ?? this.group(name);
    const cell = localActor(this.#host.runtime, this.scope, actor, group.name);
    const meta =
      options?.meta === undefined
        ? undefined
        : encodeMeta(options.meta, `actor '${cell.id}' in group '${group.name}'`, this.scope);
    return { group, cell, topics, meta };
  }

  /** Takes one join away; at zero the actor is no longer a member. */
  leave(name: unknown, actor: ActorLike): void {
    const found = this.lookUp(name);
    const actorId = actorIdOf(this.scope, actor, name as GroupName);
    const group = found ?? this.group(name);
    // A live local actor's own record answers the common case with no look-up here.
    if (actor instanceof ActorRef) {
      const cell = actor[CELL];
      if (this.#host.runtime.hosts(cell) && this.index.leaveLocal(group, cell)) return;
    }
    const member = this.memberToLeave(group, actor, actorId);
    this.index.leaveMember(group, member);
  }

  /** `leave`, also saying what the membership was before and after, so it can be undone. */
  leaveTracked(name: unknown, actor: ActorLike): MembershipChange {
    const found = this.lookUp(name);
    const actorId = actorIdOf(this.scope, actor, name as GroupName);
    const group = found ?? this.group(name);
    const member = this.memberToLeave(group, actor, actorId);
    const cell = member.cell!;
    const before = membershipOf(group, cell);
    this.index.leaveMember(group, member);
    return { group, cell, kind: "leave", before, after: membershipOf(group, cell) };
  }

  /** The local member `actor` names in `group`, or the error that says why it cannot leave. */
  memberToLeave(group: Group, actor: ActorLike, actorId: ActorId): Member {
    const member = group.members.get(actorId);
    // A stale ref (its actor stopped, the id since reused) is no member: it must not
    // take a join away from the new actor of the same id.
    const stale = actor instanceof ActorRef && member?.cell != null && member.cell !== actor[CELL];
    if (member === undefined || stale) throw new NotAMemberError(group.name, this.scope, actorId);
    if (member.cell === null) {
      throw new ActorNotFoundError(
        actorId,
        this.scope,
        `is hosted by node '${member.nodeId}', which owns its memberships`,
      );
    }
    return member;
  }

  /** Undoes one change its caller could not complete (membership-change.ts says how). */
  undo(change: MembershipChange): void {
    if (this.index.get(change.group.name) !== change.group || !this.#host.runtime.hosts(change.cell)) return;
    undoChange(this.index, change);
  }

  /** Validates a publish and finds its audience; nothing is delivered yet. */
  preparePublish(name: unknown, message: unknown, options: PublishOptions | undefined): PreparedPublish {
    const found = this.lookUp(name);
    validateMessage(message);
    checkOptions(options, "publishToGroup");
    return this.#address(found, name, options);
  }

  /** The members a group request (ask, dispatch) addresses, by topic and `exclude`, as references. */
  addressed(
    name: unknown,
    options: AddressOptions | undefined,
    operation: string,
  ): { group: Group; refs: MemberRef[] } {
    const found = this.lookUp(name);
    checkOptions(options, operation);
    const { group, audience } = this.#address(found, name, options);
    const refs = audience.ids.map((id) => this.#ref(group, group.members.get(id)!));
    return { group, refs };
  }

  // Who a message with these options reaches: topic checked, `exclude` taken out.
  #address(found: Group | undefined, name: unknown, options: AddressOptions | undefined): PreparedPublish {
    const topic = options?.topic;
    // A topic this group matched since its last change is valid, and its audience known.
    let audience = topic === undefined ? undefined : found?.published(topic);
    // Read into one path shared by every publish: nothing runs between here and the match.
    const path = topic === undefined || audience !== undefined ? null : PUBLISHED.read(topic);
    const excluded =
      options?.exclude === undefined ? null : excludedIds(this.scope, options.exclude, name as GroupName);
    const group = found ?? this.group(name);
    audience ??= path === null ? group.everyone() : group.matching(path);
    if (excluded !== null) audience = without(audience, group.members, excluded);
    return { group, audience, topic, excluded: excluded === null ? NOBODY : [...excluded] };
  }

  /** Hands a prepared publish to the local members and says who it addressed. */
  deliver(prepared: PreparedPublish, message: unknown): PublishResult {
    const { audience, group, topic } = prepared;
    if (audience.localCount > 0) {
      this.#host.runtime.dispatcher.fanOut(audience, message, group.name, topic);
    }
    return new PublishResult(audience.localCount, audience.remoteCount, this.#host.nodeId, audience);
  }

  /** Every member's id, on every node this node knows of, each once. */
  members(name: unknown): ActorId[] {
    return [...this.group(name).everyone().ids];
  }

  /** Every member with where it lives, its join count and its topics, in join order. */
  describeMembers(name: unknown): MemberInfo[] {
    return describeMembers(this.group(name));
  }

  /** Every member as a reference, in join order. */
  memberRefs(name: unknown): MemberRef[] {
    const group = this.group(name);
    const refs: MemberRef[] = [];
    for (const member of group.members.values()) refs.push(this.#ref(group, member));
    return refs;
  }

  #ref(group: Group, member: Member): MemberRef {
    return memberRef(this.scope, this.#host.courier, group, member);
  }

  /** The members hosted by this node. */
  localMembers(name: unknown): ActorId[] {
    return this.group(name)
      .everyone()
      .cells.map((cell) => cell.id);
  }

  list(options: ListGroupsOptions | undefined): GroupPage {
    return listPage(this.index, this.key, options, (group) => this.describe(group));
  }

  /** Membership events of the scope, or of one group (which must exist). */
  watch(name: unknown, options: WatchOptions | undefined): AsyncIterableIterator<MembershipEvent> {
    if (name !== undefined) this.group(name);
    return this.index.hub.open(name as GroupName | undefined, options);
  }

  describe(group: Group): ProcessGroup {
    return describeGroup(this.scope, group);
  }
}
