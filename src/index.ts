/**
 * Chorus: process groups for actors. This module is the public surface and nothing else.
 *
 * @module chorus-pg
 */

export type {
  ActorContext,
  Behaviour,
  FailurePolicy,
  StopInfo,
  StopReason,
} from "./actors/actor-cell.js";
export { ActorRef } from "./actors/actor-ref.js";
export type { OverflowPolicy } from "./actors/mailbox.js";
export { MemberRef } from "./actors/member-ref.js";
export type { AskOptions, MailboxOptions, SpawnOptions } from "./actors/runtime.js";
export {
  ActorAlreadyExistsError,
  ActorNotFoundError,
  AskFailedError,
  AskTimeoutError,
  BackendUnavailableError,
  type ErrorCode,
  GroupAlreadyExistsError,
  GroupEmptyError,
  GroupNotFoundError,
  InvalidArgumentError,
  InvalidNameError,
  InvalidTopicError,
  JoinNotVisibleError,
  MailboxFullError,
  type NameKind,
  NodeIdInUseError,
  NotAMemberError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ProcessGroupError,
  SystemStoppedError,
  WatchOverflowError,
} from "./errors.js";
export { MAX_GROUPS_PER_CALL } from "./groups/many-groups.js";
export type {
  ActorLike,
  AddressOptions,
  AskGroupOptions,
  CallOptions,
  CreateGroupOptions,
  DispatchOptions,
  DispatchStrategy,
  GroupPage,
  GroupReplies,
  GroupReply,
  JoinOptions,
  ListGroupsOptions,
  MemberInfo,
  NoReply,
  ProcessGroup,
  ProcessGroups,
  PublishOptions,
} from "./groups/process-groups.js";
export { PublishResult } from "./groups/publish-result.js";
export type { Handles, TypedGroup } from "./groups/typed-group.js";
export type { MembershipEvent, WatchOptions } from "./groups/watch.js";
export type { ActorId, GroupName, Json, NodeId, Scope } from "./names.js";
export { MAX_META_BYTES, MAX_TOPIC_LENGTH, MAX_TOPIC_SEGMENTS } from "./names.js";
export {
  ActorSystem,
  type ActorSystemOptions,
  type NodeStatus,
  type RedisClusterOptions,
  type ShutdownOptions,
  type StatusChange,
  type StatusOptions,
} from "./system.js";
