/**
 * ProcessGroups: the handle of one scope, and the only way to its groups — what every
 * caller sees, whichever way the node runs. Embedded (embedded-groups.ts) or over Redis
 * (cluster/clustered-groups.ts), a handle has the same operations, the same errors and
 * the same guarantees where both apply; every operation returns a Promise.
 */
import type { ActorRef } from "../actors/actor-ref.js";
import type { MemberRef } from "../actors/member-ref.js";
import type { ProcessGroupError } from "../errors.js";
import type { ActorId, GroupName, Json, NodeId, Scope } from "../names.js";
import type { GroupPage, ListGroupsOptions } from "./listing.js";
import type { PublishResult } from "./publish-result.js";
import type { TypedGroup } from "./typed-group.js";
import type { MembershipEvent, WatchOptions } from "./watch.js";

export type { GroupPage, ListGroupsOptions };

/** A group as callers see it: a snapshot taken when it was asked for. */
export interface ProcessGroup {
  /** The group's name, unique in its scope. */
  readonly name: GroupName;
  /** The tenant of its scope. */
  readonly tenantId: string;
  /** The namespace of its scope. */
  readonly namespace: string;
  /** The labels it was created with; empty when it had none. */
  readonly labels: Readonly<Record<string, string>>;
  /** When it was created, by the clock of the node that created it. */
  readonly createdAt: Date;
  /** Its members, each counted once however often it joined. */
  readonly memberCount: number;
}

/** What every operation accepts. */
export interface CallOptions {
  /**
   * Abandons the call when aborted: it rejects with the signal's reason. Over Redis a
   * join or leave that rejects is undone on this node; a create or delete already
   * sent may still land. (Every call is also bounded by `commandTimeoutMs`.)
   */
  readonly signal?: AbortSignal;
}

/** The options of `createGroup`. */
export interface CreateGroupOptions extends CallOptions {
  /** Free-form metadata: up to 64 keys of a-z, 0-9, `_.-/`, string values up to 256 characters. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The options of `joinGroup`. */
export interface JoinOptions extends CallOptions {
  /** Topic patterns to receive (`*` one segment, `#` zero or more). Default: every message. */
  readonly topics?: readonly string[];
  /**
   * `"cluster"`: resolve only once every live node's replica shows the membership, so a
   * publish from any node right after reaches it; rejects with JoinNotVisibleError
   * naming the nodes that did not confirm in time (the membership stays). Embedded: no effect.
   */
  readonly visible?: "cluster";
  /**
   * Presence metadata every node sees with the member (an address, a version, a load
   * figure): JSON data of at most MAX_META_BYTES (4 096) bytes, else
   * PayloadTooLargeError. Replaces what an earlier join gave; left out, that stays.
   */
  readonly meta?: Json;
}

/** A member as this node sees it: where it lives, how often it joined, what it takes. */
export interface MemberInfo {
  /** The member's actor id. */
  readonly actorId: ActorId;
  /** The node that hosts it. */
  readonly nodeId: NodeId;
  /** Joins not yet matched by a leave. */
  readonly joinCount: number;
  /** Its topic patterns; empty means every message. */
  readonly topics: readonly string[];
  /** True when this node hosts it. */
  readonly isLocal: boolean;
  /** Its presence meta; undefined when it has none. */
  readonly meta?: Json;
}

/** An actor, by handle or (on the node that hosts it) by id. */
export type ActorLike = ActorRef | ActorId;

/** The options of `publishToGroup`. */
export interface PublishOptions extends CallOptions {
  /** A concrete topic (no wildcards); members that joined with topics get it only on a match. */
  readonly topic?: string;
  /** Actors kept out of this publish, typically the sender itself. */
  readonly exclude?: ActorLike | readonly ActorLike[];
}

/** Which members a group request addresses: as a publish does, by topic and `exclude`. */
export interface AddressOptions extends CallOptions {
  /** A concrete topic: only members subscribed to it are addressed. */
  readonly topic?: string;
  /** Actors left out, typically the caller itself. */
  readonly exclude?: ActorLike | readonly ActorLike[];
}

/** The options of `askGroup`. */
export interface AskGroupOptions extends AddressOptions {
  /** How long to wait for the answers; the call resolves by then. Default: 5 000. */
  readonly timeoutMs?: number;
}

/** One member's answer to an `askGroup`. */
export interface GroupReply<M = unknown, R = unknown> {
  /** Who answered. */
  readonly member: MemberRef<M, R>;
  /** What its behaviour returned. */
  readonly reply: R;
}

/** A member that gave no answer to an `askGroup`, and why. */
export interface NoReply<M = unknown, R = unknown> {
  /** Who did not answer. */
  readonly member: MemberRef<M, R>;
  /**
   * Why: AskTimeoutError (`ASK_TIMEOUT`), AskFailedError (`ASK_FAILED`, its behaviour
   * threw), ActorNotFoundError (`ACTOR_NOT_FOUND`: stopped, or its node died),
   * MailboxFullError (`MAILBOX_FULL`), or BackendUnavailableError.
   */
  readonly error: ProcessGroupError;
}

/** What `askGroup` resolves with: every addressed member is in exactly one of the two lists. */
export interface GroupReplies<M = unknown, R = unknown> {
  /** The answers, in the order of the members. */
  readonly replies: readonly GroupReply<M, R>[];
  /** The members that did not answer, in the order of the members. */
  readonly missing: readonly NoReply<M, R>[];
}

/**
 * How `dispatch` and `pick` choose one member: `round-robin` (each in turn),
 * `random`, or `local-first` (a member on this node when there is one, as `pg`'s
 * closest pick; otherwise a random one).
 */
export type DispatchStrategy = "round-robin" | "random" | "local-first";

/** The options of `pick` and `dispatch`. */
export interface DispatchOptions extends AddressOptions {
  /** How the member is chosen. Default: `round-robin`. */
  readonly strategy?: DispatchStrategy;
}

/**
 * The groups of one scope, from `system.groups(scope)`: the same operations, errors and
 * guarantees embedded or over Redis. Arguments are checked before anything changes;
 * after `shutdown` every call rejects with SystemStoppedError (a watch, on its first read).
 */
export interface ProcessGroups {
  /** The scope this handle reaches; it reaches no other. */
  readonly scope: Scope;
  /** Creates a group. Rejects with GroupAlreadyExistsError if the name is taken. */
  createGroup(name: GroupName, options?: CreateGroupOptions): Promise<ProcessGroup>;
  /** Deletes a group and every membership in it. Deleting a missing group is not an error. */
  deleteGroup(name: GroupName, options?: CallOptions): Promise<void>;
  /** The group's metadata and current member count. */
  getGroup(name: GroupName, options?: CallOptions): Promise<ProcessGroup>;
  /**
   * Adds one join of a local actor: its join count goes up by one and its topics merge
   * with those it already had (no topics, now or before, means every message).
   */
  joinGroup(name: GroupName, actor: ActorLike, options?: JoinOptions): Promise<void>;
  /** Takes one join away; when the count reaches zero the actor is no longer a member. */
  leaveGroup(name: GroupName, actor: ActorLike, options?: CallOptions): Promise<void>;
  /**
   * One join of a local actor to each of `names` (distinct, at most 10 000), as
   * `joinGroup` on each would make it, in one call. Every group is checked first: a bad
   * name, a missing group or a bad option rejects and changes nothing. Over Redis, a
   * write Redis refuses or does not confirm is undone and the call rejects with its
   * error, the others made, as separate `joinGroup` calls would leave them.
   */
  joinGroups(names: readonly GroupName[], actor: ActorLike, options?: JoinOptions): Promise<void>;
  /**
   * One leave of a local actor from each of `names`, in one call. Every group is
   * checked first: one the actor is not in rejects with NotAMemberError and changes nothing.
   */
  leaveGroups(names: readonly GroupName[], actor: ActorLike, options?: CallOptions): Promise<void>;
  /**
   * Replaces a local member's presence meta without leaving (null clears it); every
   * node sees the change, and watchers get an `updated` event. NotAMemberError when
   * the actor is no member; PayloadTooLargeError past MAX_META_BYTES.
   */
  updateMeta(name: GroupName, actor: ActorLike, meta: Json, options?: CallOptions): Promise<void>;
  /** Every member's id, on every node, each once however often it joined. */
  getMembers(name: GroupName, options?: CallOptions): Promise<ActorId[]>;
  /**
   * Every member as a reference that can be sent to and asked wherever it lives, with
   * its node and presence `meta`, in join order (as this node's view shows them).
   */
  members<M = unknown, R = unknown>(name: GroupName, options?: CallOptions): Promise<MemberRef<M, R>[]>;
  /** The members hosted by this node. */
  getLocalMembers(name: GroupName, options?: CallOptions): Promise<ActorId[]>;
  /** Every member with its node, join count and topics (as this node's view shows them). */
  describeMembers(name: GroupName, options?: CallOptions): Promise<MemberInfo[]>;
  /** A page of groups in ascending name order, optionally filtered by a glob. */
  listGroups(options?: ListGroupsOptions): Promise<GroupPage>;
  /**
   * Hands `message` to every member (or, with a topic, every member subscribed to it)
   * and reports who was addressed. Local members get it through their mailboxes; each
   * other node hosting a recipient gets one wire message.
   */
  publishToGroup(name: GroupName, message: unknown, options?: PublishOptions): Promise<PublishResult>;
  /**
   * Asks every addressed member at once (a scatter/gather): resolves, at the latest
   * after `timeoutMs`, with each answer by member and the members that gave none — a
   * slow, failed, stopped or dead member is listed in `missing`, never a rejection.
   * Rejects only for bad arguments, a message that cannot travel, or the signal.
   */
  askGroup<R = unknown, M = unknown>(
    name: GroupName,
    message: M,
    options?: AskGroupOptions,
  ): Promise<GroupReplies<M, R>>;
  /**
   * Sends `message` to one addressed member chosen by `strategy` and resolves with it
   * once its mailbox took the message; a member that is gone or whose mailbox refuses
   * is passed over for the next. Rejects with GroupEmptyError when no member is
   * addressed, or with the last member's error when none took it.
   */
  dispatch<M = unknown, R = unknown>(
    name: GroupName,
    message: M,
    options?: DispatchOptions,
  ): Promise<MemberRef<M, R>>;
  /**
   * One addressed member chosen by `strategy`, to ask or send to: GroupEmptyError when
   * there is none. (A worker pool: `(await pool.pick(name)).ask(job)`.)
   */
  pick<M = unknown, R = unknown>(name: GroupName, options?: DispatchOptions): Promise<MemberRef<M, R>>;
  /**
   * The typed handle of one group: its message type M checked at compile time on
   * publish, dispatch and askGroup and on the actors that join, its answer type R
   * inferred. InvalidNameError (thrown) for a bad name; the group need not exist yet.
   */
  typed<M, R = unknown>(name: GroupName): TypedGroup<M, R>;
  /**
   * Membership events of the whole scope, or of one group. The iterable ends when the
   * signal aborts, when the loop breaks, or (for one group) when the group is deleted.
   * A missing group or a bad name rejects the first read.
   */
  watch(name?: GroupName, options?: WatchOptions): AsyncIterableIterator<MembershipEvent>;
}
