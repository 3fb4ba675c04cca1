/**
 * A WebSocket client as a member: while the socket is open it is an actor of its
 * scope on this node. It sends frames `{ type: "join" | "leave" | "publish", … }` (a
 * join may carry presence `meta`; an optional `id` comes back on the answer) and receives every message of its groups as
 * `{ type: "message", group, topic, payload, from, seq }`. Closing the socket stops the
 * actor, which leaves every group.
 *
 * - A slow client gets its mailbox's policy (drop the oldest), not unbounded server
 *   memory: while the socket has more than `maxBufferedBytes` unsent, the actor waits
 *   for it to drain, and messages meanwhile wait in the bounded mailbox.
 * - Frames are handled one at a time, in order; past a bound of frames waiting, the
 *   server stops reading the socket until they are done.
 * - A malformed frame gets an error frame; after MAX_STRIKES of them the socket is
 *   closed with 1008 (policy violation).
 */
import type { WebSocket } from "ws";
import type { ActorRef, ActorSystem, Json, ProcessGroups } from "../index.js";
import { isEnvelope, Sequencer } from "./envelope.js";
import type { ServerMetrics } from "./metrics.js";
import type { QuotaGuard } from "./quotas.js";
import type { Traffic } from "./traffic.js";
import { CLOSE, closeCodeOf, describeError, ServerError } from "./wire.js";

const MAX_STRIKES = 5;
const PAUSE_AT = 256;
const RESUME_AT = 32;

export interface MemberContext {
  readonly system: ActorSystem;
  readonly groups: ProcessGroups;
  readonly actorId: string;
  readonly metrics: ServerMetrics;
  readonly quotas: QuotaGuard;
  readonly traffic: Traffic;
  readonly mailboxCapacity: number;
  readonly maxBufferedBytes: number;
}

type Frame =
  | { type: "join"; group: string; topics?: string[]; meta?: Json; id?: unknown }
  | { type: "leave"; group: string; id?: unknown }
  | { type: "publish"; group: string; payload: unknown; topic?: string; id?: unknown };

/** Makes the client an actor and serves its frames until the socket closes. */
export function serveMember(socket: WebSocket, context: MemberContext): void {
  const { system, groups, actorId, metrics, quotas } = context;
  const { tenantId, namespace } = groups.scope;
  const tenant = metrics.tenant(tenantId);
  try {
    quotas.memberJoined(tenantId);
  } catch (error) {
    reject(socket, error);
    return;
  }
  let actor: ActorRef;
  try {
    actor = system.spawn(
      {
        id: actorId,
        tenantId,
        namespace,
        mailbox: { capacity: context.mailboxCapacity, overflow: "drop-oldest" },
      },
      (message, ctx) => deliver(message, ctx.group, ctx.topic),
    );
  } catch (error) {
    quotas.memberLeft(tenantId);
    reject(socket, error);
    return;
  }
  metrics.connections.inc({ tenant });
  const sequencer = new Sequencer(`${actorId}@${system.nodeId}`);
  const scopeKey = `${tenantId}/${namespace}`;
  let dropped = 0;
  let strikes = 0;
  let waiting = 0;
  let chain: Promise<void> = Promise.resolve();

  function deliver(
    message: unknown,
    group: string | undefined,
    topic: string | undefined,
  ): Promise<void> | void {
    metrics.deliveries.inc({ tenant });
    const newlyDropped = actor.droppedCount - dropped;
    if (newlyDropped > 0) {
      metrics.drops.inc({ tenant }, newlyDropped);
      dropped = actor.droppedCount;
    }
    if (group !== undefined) context.traffic.delivered(scopeKey, group, newlyDropped);
    if (socket.readyState !== socket.OPEN) return;
    const body = isEnvelope(message)
      ? { payload: message.payload, from: message.from, seq: message.seq }
      : { payload: message, from: null, seq: null };
    const frame = JSON.stringify({ type: "message", group, topic: topic ?? null, ...body });
    if (socket.bufferedAmount <= context.maxBufferedBytes) {
      socket.send(frame);
      return;
    }
    // The client is slow: hold the actor until this frame is written, so the mailbox fills.
    return new Promise((resolve) => socket.send(frame, () => resolve()));
  }

  async function handle(raw: string): Promise<void> {
    let frame: Frame;
    try {
      frame = parseFrame(raw);
    } catch (error) {
      send({ type: "error", error: describeError(error).body.error });
      if (++strikes >= MAX_STRIKES) socket.close(CLOSE.policyViolation, "too many malformed frames");
      return;
    }
    const id = frame.id === undefined ? {} : { id: frame.id };
    try {
      if (frame.type === "join") {
        await groups.joinGroup(frame.group, actor, {
          ...(frame.topics !== undefined && { topics: frame.topics }),
          ...(frame.meta !== undefined && { meta: frame.meta }),
        });
        metrics.joins.inc({ tenant });
        send({ type: "ack", ...id });
      } else if (frame.type === "leave") {
        await groups.leaveGroup(frame.group, actor);
        metrics.leaves.inc({ tenant });
        send({ type: "ack", ...id });
      } else {
        quotas.checkPayload(frame.payload);
        const started = performance.now();
        const envelope = sequencer.envelope(scopeKey, frame.group, frame.payload);
        const result = await groups.publishToGroup(frame.group, envelope, {
          ...(frame.topic !== undefined && { topic: frame.topic }),
        });
        metrics.publishes.inc({ tenant, via: "websocket" });
        metrics.publishSeconds.observe({ tenant }, (performance.now() - started) / 1_000);
        metrics.fanOut.observe({ tenant }, result.localCount + result.remoteCount);
        context.traffic.published(scopeKey, frame.group, {
          topic: frame.topic ?? null,
          bytes: Buffer.byteLength(JSON.stringify(frame.payload) ?? ""),
          recipients: result.localCount + result.remoteCount,
          from: envelope.from,
          payload: frame.payload,
        });
        send({ type: "ack", ...id, result });
      }
    } catch (error) {
      send({ type: "error", ...id, error: describeError(error).body.error });
    }
  }

  function send(frame: object): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  }

  socket.on("message", (data, isBinary) => {
    if (isBinary) {
      send({ type: "error", error: { code: "BAD_REQUEST", message: "frames are JSON text" } });
      if (++strikes >= MAX_STRIKES) socket.close(CLOSE.policyViolation, "too many malformed frames");
      return;
    }
    if (++waiting > PAUSE_AT) socket.pause();
    chain = chain.then(() =>
      handle(String(data)).finally(() => {
        if (--waiting < RESUME_AT && socket.isPaused) socket.resume();
      }),
    );
  });
  socket.on("close", () => {
    quotas.memberLeft(tenantId);
    metrics.connections.dec({ tenant });
    if (actor.droppedCount > dropped) metrics.drops.inc({ tenant }, actor.droppedCount - dropped);
    void actor.stop();
  });
  socket.on("error", () => socket.terminate());
}

function reject(socket: WebSocket, error: unknown): void {
  const { body } = describeError(error);
  socket.send(JSON.stringify({ type: "error", error: body.error }));
  socket.close(closeCodeOf(error), body.error.code);
}

function bad(message: string): ServerError {
  return new ServerError(400, "BAD_REQUEST", message);
}

/** A frame as the client sent it, checked; anything else throws a BAD_REQUEST. */
function parseFrame(raw: string): Frame {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw bad("a frame must be a JSON object");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw bad("a frame must be a JSON object");
  const f = value as Record<string, unknown>;
  if (typeof f.group !== "string") throw bad("a frame needs a string `group`");
  if (f.type === "join") {
    if (
      f.topics !== undefined &&
      !(Array.isArray(f.topics) && f.topics.every((t) => typeof t === "string"))
    ) {
      throw bad("`topics` must be a list of strings");
    }
    return f as Frame;
  }
  if (f.type === "leave") return f as Frame;
  if (f.type === "publish") {
    if (!("payload" in f)) throw bad("a publish frame needs a `payload`");
    if (f.topic !== undefined && typeof f.topic !== "string") throw bad("`topic` must be a string");
    return f as Frame;
  }
  throw bad('`type` must be "join", "leave" or "publish"');
}
