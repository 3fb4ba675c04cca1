/**
 * The errors Chorus raises: one base class with a stable string `code`, and one
 * subclass per failure a caller can act on. Each subclass carries the data that
 * explains it (group, scope, actor) and formats its own message from them, so a
 * message always names what was involved.
 *
 * This module depends on nothing else in the project; every other layer imports it.
 */

// A scope as errors name it (names.ts defines Scope; this module depends on nothing).
interface Scope {
  readonly tenantId: string;
  readonly namespace: string;
}

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
  | "ASK_FAILED";

const where = (scope: Scope): string => `${scope.tenantId}/${scope.namespace}`;

/** Base class of every error Chorus raises; switch on `code`, which never changes. */
export class ProcessGroupError extends Error {
  override name = "ProcessGroupError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class GroupNotFoundError extends ProcessGroupError {
  override name = "GroupNotFoundError";
  constructor(
    readonly group: string,
    readonly scope: Scope,
  ) {
    super("GROUP_NOT_FOUND", `group '${group}' does not exist in ${where(scope)}`);
  }
}

export class GroupAlreadyExistsError extends ProcessGroupError {
  override name = "GroupAlreadyExistsError";
  constructor(
    readonly group: string,
    readonly scope: Scope,
  ) {
    super("GROUP_ALREADY_EXISTS", `group '${group}' already exists in ${where(scope)}`);
  }
}

export class NotAMemberError extends ProcessGroupError {
  override name = "NotAMemberError";
  constructor(
    readonly group: string,
    readonly scope: Scope,
    readonly actorId: string,
  ) {
    super("NOT_A_MEMBER", `actor '${actorId}' is not a member of group '${group}' in ${where(scope)}`);
  }
}

export class ActorNotFoundError extends ProcessGroupError {
  override name = "ActorNotFoundError";
  constructor(
    readonly actorId: string,
    readonly scope: Scope,
    detail = "is not running on this node",
  ) {
    super("ACTOR_NOT_FOUND", `actor '${actorId}' in ${where(scope)} ${detail}`);
  }
}

export class ActorAlreadyExistsError extends ProcessGroupError {
  override name = "ActorAlreadyExistsError";
  constructor(
    readonly actorId: string,
    readonly scope: Scope,
  ) {
    super("ACTOR_ALREADY_EXISTS", `actor '${actorId}' is already running in ${where(scope)}`);
  }
}

export class PermissionDeniedError extends ProcessGroupError {
  override name = "PermissionDeniedError";
  constructor(
    readonly actorId: string,
    readonly actorScope: Scope,
    readonly scope: Scope,
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

export class InvalidNameError extends ProcessGroupError {
  override name = "InvalidNameError";
  constructor(
    readonly kind: NameKind,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super("INVALID_NAME", `invalid ${kind} ${describe(value)}: ${reason}`);
  }
}

export class InvalidTopicError extends ProcessGroupError {
  override name = "InvalidTopicError";
  constructor(
    readonly topic: unknown,
    readonly reason: string,
  ) {
    super("INVALID_TOPIC", `invalid topic ${describe(topic)}: ${reason}`);
  }
}

export class InvalidArgumentError extends ProcessGroupError {
  override name = "InvalidArgumentError";
  constructor(
    readonly argument: string,
    reason: string,
  ) {
    super("INVALID_ARGUMENT", `invalid ${argument}: ${reason}`);
  }
}

export class MailboxFullError extends ProcessGroupError {
  override name = "MailboxFullError";
  constructor(
    readonly actorId: string,
    readonly scope: Scope,
    readonly capacity: number,
  ) {
    super("MAILBOX_FULL", `mailbox of actor '${actorId}' in ${where(scope)} is full (${capacity} messages)`);
  }
}

export class PayloadTooLargeError extends ProcessGroupError {
  override name = "PayloadTooLargeError";
  constructor(
    readonly group: string,
    readonly scope: Scope,
    readonly sizeBytes: number,
    readonly maxPayloadBytes: number,
  ) {
    super(
      "PAYLOAD_TOO_LARGE",
      `message for group '${group}' in ${where(scope)} is ${sizeBytes} bytes, over the limit of ${maxPayloadBytes}`,
    );
  }
}

export class WatchOverflowError extends ProcessGroupError {
  override name = "WatchOverflowError";
  constructor(
    readonly scope: Scope,
    readonly maxBufferedEvents: number,
  ) {
    super(
      "WATCH_OVERFLOW",
      `a watcher of ${where(scope)} fell more than ${maxBufferedEvents} events behind and was ended`,
    );
  }
}

export class SystemStoppedError extends ProcessGroupError {
  override name = "SystemStoppedError";
  constructor(readonly nodeId: string) {
    super("SYSTEM_STOPPED", `actor system '${nodeId}' has been shut down`);
  }
}

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
    readonly actorId: string,
    readonly scope: Scope,
    readonly timeoutMs: number,
  ) {
    super("ASK_TIMEOUT", `actor '${actorId}' in ${where(scope)} did not answer within ${timeoutMs} ms`);
  }
}

/** An ask whose behaviour threw or rejected; `remoteMessage` is what it threw, as text. */
export class AskFailedError extends ProcessGroupError {
  override name = "AskFailedError";
  constructor(
    readonly actorId: string,
    readonly scope: Scope,
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
    readonly nodeId: string,
    readonly nodeTimeoutMs: number,
  ) {
    super(
      "NODE_ID_IN_USE",
      `node id '${nodeId}' is in use: another process with this id still heartbeats (waited ${nodeTimeoutMs} ms for it to go silent)`,
    );
  }
}

export class JoinNotVisibleError extends ProcessGroupError {
  override name = "JoinNotVisibleError";
  constructor(
    readonly group: string,
    readonly scope: Scope,
    readonly actorId: string,
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
