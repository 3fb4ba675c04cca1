/**
 * What tests (and diagnostics) may do to a node's Redis backend that no caller of the
 * library should: crash it, pause its heartbeat, ask whether it has settled, wait for
 * its messages, read its counters. Kept out of the backend's own class, which they
 * only read or stop.
 */
import { COVERED } from "./link.js";
import type { ClusterInspection } from "./options.js";
import type { RedisBackend } from "./redis-backend.js";

/** Drops every connection and timer without telling Redis, as a crash would. */
export function crash(backend: RedisBackend): void {
  backend.halt();
}

/** Stops heartbeating, as a long pause would; the returned function resumes. */
export function pauseHeartbeat(backend: RedisBackend): () => void {
  backend.liveness.stop();
  return () => {
    if (!backend.isClosed) backend.liveness.start();
  };
}

/**
 * Keeps the command link closed after its next recovery until the returned function is
 * called: what the node holds for Redis stays held meanwhile.
 */
export function holdReopen(backend: RedisBackend): () => void {
  let release: () => void = () => undefined;
  backend.reopenGate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    backend.reopenGate = null;
    release();
  };
}

/**
 * True when every view this node holds is current and at Redis's sequence number (read
 * now), the link is open and no outgoing message waits: a barrier for tests.
 */
export async function isSettled(backend: RedisBackend): Promise<boolean> {
  backend.outbox.flush();
  const replicas = [...backend.views.all.values()];
  if (!backend.link.isOpen || backend.link.queuedBytes > 0 || replicas.some((r) => !r.isCurrent))
    return false;
  const metas = await backend.link.call(
    (conn) => Promise.all(replicas.map((r) => conn.hmget(r.keys.meta, "epoch", "seq"))),
    { what: "a settle check", onInterrupt: "drop" },
  );
  if (metas === COVERED) return false;
  return replicas.every((r, i) => metas[i]?.[0] === r.epoch && Number(metas[i]?.[1] ?? 0) <= r.cursor);
}

/**
 * Resolves true once every message Redis had taken for this node's group channels
 * before the call has been handed to the local members (call it after every publishing
 * node's `isSettled` has answered). False after `timeoutMs`.
 */
export function messageBarrier(backend: RedisBackend, timeoutMs = 5_000): Promise<boolean> {
  const channel = backend.keys.barrier(backend.nodeId);
  return backend.inbox.barrier(timeoutMs, (token) => backend.link.conn.publish(channel, token));
}

export function inspect(backend: RedisBackend): ClusterInspection {
  return {
    nodeId: backend.nodeId,
    incarnation: backend.liveness.incarnation,
    incarnations: backend.liveness.incarnations,
    resyncs: backend.views.resyncs,
    errors: backend.errors.count,
    wireMessages: backend.outbox.stats.wireMessages,
    forwardedMessages: backend.outbox.stats.messages,
    receivedWireMessages: backend.inbox.stats.received,
    duplicateWireMessages: backend.inbox.stats.duplicates,
    missingWireMessages: backend.inbox.stats.missing,
    lostWireMessages: backend.link.lostPublishes,
    scopes: [...backend.views.all.values()].map((r) => ({
      scope: r.keys.id,
      cursor: r.cursor,
      isCurrent: r.isCurrent,
      isProvisional: r.provisionalUntilMs > 0,
    })),
  };
}
