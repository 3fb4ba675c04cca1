/**
 * Test helpers: a fresh scope per test (so tests run in parallel with no cleanup),
 * actors that record what they receive, and barriers that wait for a state with a
 * deadline instead of sleeping.
 */
import { randomUUID } from "node:crypto";
import { type ActorContext, type ActorRef, ActorSystem, type Scope } from "../../src/index.js";

let counter = 0;

/** A scope no other test uses. */
export function freshScope(prefix = "t"): Scope {
  counter++;
  return {
    tenantId: `${prefix}-${process.pid}-${counter}-${randomUUID().slice(0, 8)}`,
    namespace: "ns",
  };
}

/** Resolves when `condition()` holds; rejects after `timeoutMs` naming what it waited for. */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export interface Recorder<M = unknown> {
  readonly ref: ActorRef<M>;
  readonly received: M[];
  readonly topics: (string | undefined)[];
}

/** Spawns an actor that records every message (and its topic) it handles. */
export function recorder<M = unknown>(system: ActorSystem, scope: Scope, id: string): Recorder<M> {
  const received: M[] = [];
  const topics: (string | undefined)[] = [];
  const ref = system.spawn<M>({ id, ...scope }, (message: M, context: ActorContext) => {
    received.push(message);
    topics.push(context.topic);
  });
  return { ref, received, topics };
}

/** A system for one test, shut down when the test's `after` hook runs it. */
export function newSystem(nodeId = "test-node"): ActorSystem {
  return new ActorSystem({ nodeId });
}
