/**
 * The errors Chorus raises: one base class with a stable string `code`, and one
 * subclass per failure a caller can act on. Each subclass carries the data that
 * explains it (group, scope, actor) and formats its own message from them, so a
 * message always names what was involved.
 *
 * This module depends on nothing else in the project; every other layer imports it.
 */

// A scope as errors name it (names.ts defines Scope; this module depends on nothing).
// Not exported, so the API reference shows its two fields in place (@inline).
/** @inline */
interface Scope {
  /** The tenant. */
  readonly tenantId: string;
  /** The namespace within the tenant. */
  readonly namespace: string;
}

/** The `code` of every error Chorus raises, one per failure; none is ever renamed. */
export type ErrorCode =
  | "GROUP_NOT_FOUND"
  | "GROUP_ALREADY_EXISTS"
  | "NOT_A_MEMBER"
  | "ACTOR_NOT_FOUND"
  | "ACTOR_ALREADY_EXISTS"
  | "PERMISSION_DENIED"
  | "INVALID_NAME"
  | "INVALID_TOPIC"
  | "INVALID_ARGUMENT"
  | "MAILBOX_FULL"
  | "PAYLOAD_TOO_LARGE"
  | "WATCH_OVERFLOW"
  | "SYSTEM_STOPPED"
  | "BACKEND_UNAVAILABLE"
  | "JOIN_NOT_VISIBLE"
  | "NODE_ID_IN_USE"
  | "ASK_TIMEOUT"
  | "ASK_FAILED"
  | "GROUP_EMPTY";

const where = (scope: Scope): string => `${scope.tenantId}/${scope.namespace}`;

/** Base class of every error Chorus raises; switch on `code`, which never changes. */
export class ProcessGroupError extends Error {
  /** The class's name, as a stack trace or `String(error)` shows it. */
  override name = "ProcessGroupError";
  constructor(
    /** What failed, for code to switch on: the message's wording may change, the code does not. */
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The group does not exist in the handle's scope (`GROUP_NOT_FOUND`). */
export class GroupNotFoundError extends ProcessGroupError {
  override name = "GroupNotFoundError";
  constructor(
    /** The name that was looked up. */
    readonly group: string,
    /** The scope it was looked up in. */
    readonly scope: Scope,
  ) {
    super("GROUP_NOT_FOUND", `group '${group}' does not exist in ${where(scope)}`);
  }
}

/** `dispatch` or `pick` on a group with no member to take the message (`GROUP_EMPTY`). */
export class GroupEmptyError extends ProcessGroupError {
  override name = "GroupEmptyError";
  constructor(
    /** The group. */
    readonly group: string,
    /** The group's scope. */
    readonly scope: Scope,
    /** The topic no member is subscribed to, when one was given. */
    readonly topic?: string,
  ) {
    super(
      "GROUP_EMPTY",
      `group '${group}' in ${where(scope)} has no member${topic === undefined ? "" : ` subscribed to topic '${topic}'`} to take it`,
    );
  }
}

/** `createGroup` of a name the scope already has (`GROUP_ALREADY_EXISTS`). */
export class GroupAlreadyExistsError extends ProcessGroupError {
  override name = "GroupAlreadyExistsError";
  constructor(
    /** The name that is taken. */
    readonly group: string,
    /** The scope that has it. */
    readonly scope: Scope,
  ) {
    super("GROUP_ALREADY_EXISTS", `group '${group}' already exists in ${where(scope)}`);
  }
}

/** `leaveGroup` of an actor that is not a member of the group (`NOT_A_MEMBER`). */
export class NotAMemberError extends ProcessGroupError {
  override name = "NotAMemberError";
  constructor(
    /** The group it was to leave. */
    readonly group: string,
    /** The group's scope. */
    readonly scope: Scope,
    /** The actor that is not a member. */
    readonly actorId: string,
  ) {
    super("NOT_A_MEMBER", `actor '${actorId}' is not a member of group '${group}' in ${where(scope)}`);
  }
}

/** The actor has stopped, or this node does not host it (`ACTOR_NOT_FOUND`). */
export class ActorNotFoundError extends ProcessGroupError {
  override name = "ActorNotFoundError";
  constructor(
    /** The actor that was not found. */
    readonly actorId: string,
    /** The scope it was looked for in. */
    readonly scope: Scope,
    detail = "is not running on this node",
  ) {
    super("ACTOR_NOT_FOUND", `actor '${actorId}' in ${where(scope)} ${detail}`);
  }
}

/** `spawn` of an id a live actor of the same scope has on this node (`ACTOR_ALREADY_EXISTS`). */
export class ActorAlreadyExistsError extends ProcessGroupError {
  override name = "ActorAlreadyExistsError";
  constructor(
    /** The id that is taken. */
    readonly actorId: string,
    /** The scope of both actors. */
    readonly scope: Scope,
  ) {
    super("ACTOR_ALREADY_EXISTS", `actor '${actorId}' is already running in ${where(scope)}`);
  }
}

/** An actor of another scope named in a call on a group: scopes share nothing (`PERMISSION_DENIED`). */
export class PermissionDeniedError extends ProcessGroupError {
  override name = "PermissionDeniedError";
  constructor(
    /** The actor named. */
    readonly actorId: string,
    /** The actor's own scope. */
    readonly actorScope: Scope,
    /** The scope of the group. */
    readonly scope: Scope,
    /** The group the call was on. */
    readonly group: string,
  ) {
    super(
      "PERMISSION_DENIED",
      `actor '${actorId}' of ${where(actorScope)} may not join group '${group}' of ${where(scope)}`,
    );
  }
}

/** What kind of name was wrong, so a caller can point at the right field. */
export type NameKind = "tenantId" | "namespace" | "group" | "actorId" | "nodeId" | "label";

/**
 * A tenant, namespace, group, actor id, node id or label that breaks the naming rules
 * (`INVALID_NAME`); raised before anything changes.
 */
export class InvalidNameError extends ProcessGroupError {
  override name = "InvalidNameError";
  constructor(
    /** Which name was wrong. */
    readonly kind: NameKind,
    /** The value given (of any type: a number is no name). */
    readonly value: unknown,
    /** The rule it broke, in words. */
    readonly reason: string,
  ) {
    super("INVALID_NAME", `invalid ${kind} ${describe(value)}: ${reason}`);
  }
}

/**
 * A malformed topic or pattern, or a wildcard in a published topic (`INVALID_TOPIC`);
 * raised before anything changes.
 */
export class InvalidTopicError extends ProcessGroupError {
  override name = "InvalidTopicError";
  constructor(
    /** The topic or pattern given. */
    readonly topic: unknown,
    /** The rule it broke, in words. */
    readonly reason: string,
  ) {
    super("INVALID_TOPIC", `invalid topic ${describe(topic)}: ${reason}`);
  }
}

/**
 * A bad option (an unknown key, a page size or token, a mailbox setting, …) or a
 * message that is not data (`INVALID_ARGUMENT`); raised before anything changes.
 */
export class InvalidArgumentError extends ProcessGroupError {
  override name = "InvalidArgumentError";
  constructor(
    /** The option or argument that was wrong. */
    readonly argument: string,
    reason: string,
  ) {
    super("INVALID_ARGUMENT", `invalid ${argument}: ${reason}`);
  }
}

/** A `send` to a full mailbox whose overflow policy is `reject` (`MAILBOX_FULL`). */
export class MailboxFullError extends ProcessGroupError {
  override name = "MailboxFullError";
  constructor(
    /** The actor whose mailbox is full. */
    readonly actorId: string,
    /** Its scope. */
    readonly scope: Scope,
    /** The mailbox's capacity, in messages. */
    readonly capacity: number,
  ) {
    super("MAILBOX_FULL", `mailbox of actor '${actorId}' in ${where(scope)} is full (${capacity} messages)`);
  }
}

/**
 * A message over `maxPayloadBytes` of JSON on its way to another node, or presence meta
 * over MAX_META_BYTES (`PAYLOAD_TOO_LARGE`).
 */
export class PayloadTooLargeError extends ProcessGroupError {
  override name = "PayloadTooLargeError";
  constructor(
    /** What it was: `a message for group 'g'`, `a message for actor 'a'`, `the reply of actor 'a'`, `the meta of actor 'a' in group 'g'`. */
    readonly target: string,
    /** The scope it was going to. */
    readonly scope: Scope,
    /** The message's size, in bytes of JSON. */
    readonly sizeBytes: number,
    /** The limit it went over. */
    readonly maxPayloadBytes: number,
  ) {
    super(
      "PAYLOAD_TOO_LARGE",
      `${target} in ${where(scope)} is ${sizeBytes} bytes, over the limit of ${maxPayloadBytes}`,
    );
  }
}

/**
 * Ends a watch whose consumer fell more than 10 000 events behind (`WATCH_OVERFLOW`):
 * start a new watch and read the state again.
 */
export class WatchOverflowError extends ProcessGroupError {
  override name = "WatchOverflowError";
  constructor(
    /** The scope that was watched. */
    readonly scope: Scope,
    /** The most events a watcher holds for its consumer. */
    readonly maxBufferedEvents: number,
  ) {
    super(
      "WATCH_OVERFLOW",
      `a watcher of ${where(scope)} fell more than ${maxBufferedEvents} events behind and was ended`,
    );
  }
}

/** A call to the system or one of its group handles after `shutdown()` (`SYSTEM_STOPPED`). */
export class SystemStoppedError extends ProcessGroupError {
  override name = "SystemStoppedError";
  constructor(
    /** The node that was shut down. */
    readonly nodeId: string,
  ) {
    super("SYSTEM_STOPPED", `actor system '${nodeId}' has been shut down`);
  }
}

/**
 * Redis did not do what was asked within `commandTimeoutMs` (its `cause` says why), or
 * a message could not be held until it is back (`BACKEND_UNAVAILABLE`).
 */
export class BackendUnavailableError extends ProcessGroupError {
  override name = "BackendUnavailableError";
  constructor(message: string, options?: ErrorOptions) {
    super("BACKEND_UNAVAILABLE", message, options);
  }
}

/** An ask that got no answer in time (the actor is slow, busy, or its node went silent). */
export class AskTimeoutError extends ProcessGroupError {
  override name = "AskTimeoutError";
  constructor(
    /** The actor that was asked. */
    readonly actorId: string,
    /** The actor's scope. */
    readonly scope: Scope,
    /** How long the ask waited. */
    readonly timeoutMs: number,
  ) {
    super("ASK_TIMEOUT", `actor '${actorId}' in ${where(scope)} did not answer within ${timeoutMs} ms`);
  }
}

/** An ask whose behaviour threw or rejected; `remoteMessage` is what it threw, as text. */
export class AskFailedError extends ProcessGroupError {
  override name = "AskFailedError";
  constructor(
    /** The actor that was asked. */
    readonly actorId: string,
    /** The actor's scope. */
    readonly scope: Scope,
    /** What its behaviour threw, as text (from another node, the text is all that travels). */
    readonly remoteMessage: string,
    cause?: unknown,
  ) {
    super("ASK_FAILED", `actor '${actorId}' in ${where(scope)} failed to answer: ${remoteMessage}`, {
      ...(cause !== undefined && { cause }),
    });
  }
}

/** Another live process holds this node id; two with one id would split the cluster silently. */
export class NodeIdInUseError extends ProcessGroupError {
  override name = "NodeIdInUseError";
  constructor(
    /** The id asked for. */
    readonly nodeId: string,
    /** How long this node waited for the other holder to go silent. */
    readonly nodeTimeoutMs: number,
  ) {
    super(
      "NODE_ID_IN_USE",
      `node id '${nodeId}' is in use: another process with this id still heartbeats (waited ${nodeTimeoutMs} ms for it to go silent)`,
    );
  }
}

/**
 * A `visible: "cluster"` join some live node did not confirm in time
 * (`JOIN_NOT_VISIBLE`). The membership stays: the join itself succeeded.
 */
export class JoinNotVisibleError extends ProcessGroupError {
  override name = "JoinNotVisibleError";
  constructor(
    /** The group joined. */
    readonly group: string,
    /** The group's scope. */
    readonly scope: Scope,
    /** The actor that joined. */
    readonly actorId: string,
    /** The nodes that did not confirm. */
    readonly missingNodes: readonly string[],
  ) {
    super(
      "JOIN_NOT_VISIBLE",
      `join of actor '${actorId}' to group '${group}' in ${where(scope)} was not confirmed by node(s) ${missingNodes.join(", ")} (the membership stays)`,
    );
  }
}

/** Renders a bad value for a message without dumping a huge or hostile string. */
function describe(value: unknown): string {
  if (typeof value === "string") {
    const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
    return JSON.stringify(shown);
  }
  if (value === null) return "null";
  return `of type ${typeof value}`;
}
