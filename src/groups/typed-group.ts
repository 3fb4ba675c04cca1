/**
 * TypedGroup: one group of a scope with its message type M and its members' answer type
 * R fixed at compile time — checked on publish, dispatch and askGroup, on the actors
 * that join (their behaviour must take every M and answer with an R), and inferred for
 * what comes back. At run time it is the scope's handle with the name filled in.
 */
import type { ActorRef } from "../actors/actor-ref.js";
import type { MemberRef } from "../actors/member-ref.js";
import { type GroupName, type Json, validateGroupName } from "../names.js";
import type {
  ActorLike,
  AskGroupOptions,
  CallOptions,
  DispatchOptions,
  GroupReplies,
  JoinOptions,
  ProcessGroups,
  PublishOptions,
} from "./process-groups.js";
import type { PublishResult } from "./publish-result.js";
import type { MembershipEvent, WatchOptions } from "./watch.js";

/**
 * `unknown` when actor `A` can be a member of a group of messages M answered with R —
 * its behaviour takes every M and answers with an R — and `never` (a type error where
 * it is passed) otherwise.
 */
export type Handles<A, M, R> =
  A extends ActorRef<infer Takes, infer Answers>
    ? [M] extends [Takes]
      ? [Answers] extends [R]
        ? unknown
        : never
      : never
    : never;

/**
 * A group whose messages are of type M and whose members answer asks with R, from
 * `groups.typed<M, R>(name)`. Its operations are the scope handle's for this group,
 * with the types checked: a wrong message, or an actor whose behaviour takes another
 * message type, does not compile.
 */
export interface TypedGroup<M, R = unknown> {
  /** The group's name. */
  readonly name: GroupName;
  /** `joinGroup` of an actor whose behaviour takes every M and answers with an R. */
  // biome-ignore lint/suspicious/noExplicitAny: any actor type, checked by Handles
  join<A extends ActorRef<any, any>>(actor: A & Handles<A, M, R>, options?: JoinOptions): Promise<void>;
  /** `leaveGroup`. */
  leave(actor: ActorLike, options?: CallOptions): Promise<void>;
  /** `updateMeta`. */
  updateMeta(actor: ActorLike, meta: Json, options?: CallOptions): Promise<void>;
  /** `members`, typed: each reference sends M and asks for R. */
  members(options?: CallOptions): Promise<MemberRef<M, R>[]>;
  /** `publishToGroup` of an M. */
  publish(message: M, options?: PublishOptions): Promise<PublishResult>;
  /** `dispatch` of an M. */
  dispatch(message: M, options?: DispatchOptions): Promise<MemberRef<M, R>>;
  /** `pick`, typed. */
  pick(options?: DispatchOptions): Promise<MemberRef<M, R>>;
  /** `askGroup` of an M; the replies are R. */
  askGroup(message: M, options?: AskGroupOptions): Promise<GroupReplies<M, R>>;
  /** `watch` of this group. */
  watch(options?: WatchOptions): AsyncIterableIterator<MembershipEvent>;
}

/** The typed handle of group `name` of `groups`; InvalidNameError for a bad name. */
export function typedGroup<M, R>(groups: ProcessGroups, name: GroupName): TypedGroup<M, R> {
  validateGroupName(name);
  return {
    name,
    join: (actor, options) => groups.joinGroup(name, actor, options),
    leave: (actor, options) => groups.leaveGroup(name, actor, options),
    updateMeta: (actor, meta, options) => groups.updateMeta(name, actor, meta, options),
    members: (options) => groups.members<M, R>(name, options),
    publish: (message, options) => groups.publishToGroup(name, message, options),
    dispatch: (message, options) => groups.dispatch<M, R>(name, message, options),
    pick: (options) => groups.pick<M, R>(name, options),
    askGroup: (message, options) => groups.askGroup<R, M>(name, message, options),
    watch: (options) => groups.watch(name, options),
  };
}
