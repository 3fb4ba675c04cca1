/**
 * One node of a multi-process test, run as a child process: `node cluster-node.js`
 * with its NodeConfig as JSON in CHORUS_NODE. It starts an ActorSystem (over Redis
 * when the config names one, embedded otherwise), then serves the commands of
 * cluster-protocol.ts arriving over the IPC channel, one response each.
 *
 * Its actors are plain recorders: every message any of them handles is logged with
 * its group, topic and time, and every membership event of every scope the node has
 * touched is logged too, so a test can compare what the actors did and saw with what
 * Redis and the other nodes hold. It uses only the public API, like a user would.
 *
 * It does not decide anything: no retries, no waiting beyond what a command asks. When
 * the IPC channel closes (the test process is gone) it exits, so no node outlives its test.
 */
import { type ActorRef, ActorSystem, type ProcessGroups } from "../../src/index.js";
import type {
  Command,
  DeliveryRecord,
  EventRecord,
  NodeConfig,
  NodeMessage,
  Request,
  Results,
  WireError,
  WireScope,
} from "./cluster-protocol.js";
import { SoakWorkload } from "./soak-workload.js";

const config = JSON.parse(process.env.CHORUS_NODE ?? "{}") as NodeConfig;
const deliveries: DeliveryRecord[] = [];
const events: EventRecord[] = [];
const actors = new Map<string, ActorRef>(); // `${tenant}/${actorId}` → ref
const watched = new Set<string>(); // tenants whose scope watch runs
const timers = new Set<NodeJS.Timeout>();
// Every join scheduled by joinLater, settled or not: a test can wait for all of them.
const scheduled: Promise<unknown>[] = [];
const stopWatches = new AbortController();
const unhandledRejections: string[] = [];
let soak: SoakWorkload | null = null;
process.on("unhandledRejection", (reason) => {
  unhandledRejections.push(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
  console.error(`[${config.nodeId}] unhandled rejection: ${String(reason)}`);
});
let system: ActorSystem;

function send(message: NodeMessage): void {
  process.send?.(message);
}

function toWire(error: unknown): WireError {
  if (error instanceof Error) {
    const fields = error as Error & { code?: unknown; missingNodes?: unknown };
    return {
      name: error.name,
      code: typeof fields.code === "string" ? fields.code : undefined,
      message: error.message,
      ...(Array.isArray(fields.missingNodes) && { missingNodes: fields.missingNodes.map(String) }),
    };
  }
  return { name: "Error", code: undefined, message: String(error) };
}

async function startSystem(): Promise<ActorSystem> {
  if (config.redis === undefined) return new ActorSystem({ nodeId: config.nodeId });
  return ActorSystem.start({
    nodeId: config.nodeId,
    cluster: {
      redis: config.redis,
      ...(config.heartbeatIntervalMs !== undefined && { heartbeatIntervalMs: config.heartbeatIntervalMs }),
      ...(config.nodeTimeoutMs !== undefined && { nodeTimeoutMs: config.nodeTimeoutMs }),
      ...(config.joinVisibilityTimeoutMs !== undefined && {
        joinVisibilityTimeoutMs: config.joinVisibilityTimeoutMs,
      }),
      // Background failures are part of what a test may need to read when it fails.
      onError: (error: Error) => console.error(`[${config.nodeId}] background error: ${error.message}`),
    },
  });
}

/** The scope's handle; the first touch also starts recording the scope's events. */
function groupsOf(scope: WireScope): ProcessGroups {
  const groups = system.groups(scope);
  if (!watched.has(scope.tenantId)) {
    watched.add(scope.tenantId);
    void record(groups, scope.tenantId);
  }
  return groups;
}

async function record(groups: ProcessGroups, tenantId: string): Promise<void> {
  try {
    for await (const event of groups.watch(undefined, { signal: stopWatches.signal })) {
      events.push({ tenantId, ...event, atMs: Date.now() });
    }
  } catch (error) {
    // A watch that overflows or fails is itself an event worth seeing in a test.
    events.push({
      tenantId,
      type: "deleted",
      group: `!watch-ended: ${toWire(error).message}`,
      atMs: Date.now(),
    });
  }
}

function actor(scope: WireScope, actorId: string): ActorRef {
  const ref = actors.get(`${scope.tenantId}/${actorId}`);
  if (ref === undefined) throw new Error(`no actor '${actorId}' was spawned in ${scope.tenantId} here`);
  return ref;
}

async function view(
  groups: ProcessGroups,
  names: readonly string[],
): Promise<Record<string, string[] | null>> {
  const result: Record<string, string[] | null> = {};
  for (const name of names) {
    try {
      result[name] = (await groups.getMembers(name)).sort();
    } catch (error) {
      if (toWire(error).code !== "GROUP_NOT_FOUND") throw error;
      result[name] = null;
    }
  }
  return result;
}

async function allGroups(groups: ProcessGroups): Promise<string[]> {
  const names: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await groups.listGroups({ pageSize: 1_000, ...(pageToken !== undefined && { pageToken }) });
    for (const group of page.groups) names.push(group.name);
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return names;
}

async function waitGone(groups: ProcessGroups, name: string, ids: readonly string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const members = new Set((await view(groups, [name]))[name] ?? []);
    if (!ids.some((id) => members.has(id))) return { atMs: Date.now() };
    if (Date.now() > deadline)
      throw new Error(`members ${ids.join(", ")} still in '${name}' after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function run(command: Command): Promise<Results[Command["op"]]> {
  switch (command.op) {
    case "spawn": {
      const { scope, actorId, answer } = command;
      groupsOf(scope);
      const ref = system.spawn({ id: actorId, ...scope }, (message, context): unknown => {
        deliveries.push({
          tenantId: scope.tenantId,
          actorId,
          group: context.group,
          topic: context.topic,
          message,
          atMs: Date.now(),
        });
        if (config.printDeliveries)
          console.log(`[${config.nodeId}] ${actorId} received: ${JSON.stringify(message)}`);
        if (answer === "never") return new Promise(() => undefined);
        return answer === "echo" ? message : undefined;
      });
      actors.set(`${scope.tenantId}/${actorId}`, ref);
      return null;
    }
    case "stopActor":
      await actor(command.scope, command.actorId).stop();
      return null;
    case "createGroup":
      await groupsOf(command.scope).createGroup(command.group);
      return null;
    case "deleteGroup":
      await groupsOf(command.scope).deleteGroup(command.group);
      return null;
    case "join": {
      const { scope, group, actorId, topics, visible } = command;
      await groupsOf(scope).joinGroup(group, actor(scope, actorId), {
        ...(topics !== undefined && { topics }),
        ...(visible === true && { visible: "cluster" as const }),
      });
      return null;
    }
    case "joinLater": {
      const { scope, group, actorId, delayMs } = command;
      const ref = actor(scope, actorId);
      const joined = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          groupsOf(scope)
            .joinGroup(group, ref)
            .catch((error: unknown) => {
              events.push({
                tenantId: scope.tenantId,
                type: "deleted",
                group: `!join-failed: ${toWire(error).message}`,
                atMs: Date.now(),
              });
            })
            .finally(resolve);
        }, delayMs);
        timers.add(timer);
      });
      scheduled.push(joined);
      return null;
    }
    case "scheduledSettled":
      await Promise.all(scheduled);
      return null;
    case "leave":
      await groupsOf(command.scope).leaveGroup(command.group, command.actorId);
      return null;
    case "publish": {
      const { scope, group, message, topic, exclude } = command;
      const result = await groupsOf(scope).publishToGroup(group, message, {
        ...(topic !== undefined && { topic }),
        ...(exclude !== undefined && { exclude }),
      });
      const { recipients, localCount, remoteCount, perNode } = result;
      return { recipients: [...recipients], localCount, remoteCount, perNode: { ...perNode } };
    }
    case "publishMany": {
      const { scope, group, tag, count, padBytes } = command;
      const groups = groupsOf(scope);
      const pad = padBytes === undefined ? {} : { pad: "x".repeat(padBytes) };
      const pending: Promise<unknown>[] = [];
      // Issued back to back in one tick: per-publisher FIFO must hold without awaiting each.
      for (let n = 0; n < count; n++) {
        pending.push(groups.publishToGroup(group, { from: config.nodeId, tag, n, ...pad }));
      }
      const results = await Promise.all(pending);
      const first = results[0] as { recipients: readonly string[] } | undefined;
      return { recipients: first === undefined ? [] : [...first.recipients] };
    }
    case "view":
      return view(groupsOf(command.scope), command.groups);
    case "localMembers":
      return (await groupsOf(command.scope).getLocalMembers(command.group)).sort();
    case "groups":
      return allGroups(groupsOf(command.scope));
    case "received":
      return deliveries.filter((d) => d.tenantId === command.tenantId);
    case "events":
      return events.filter((e) => e.tenantId === command.tenantId);
    case "waitGone":
      return waitGone(groupsOf(command.scope), command.group, command.actorIds, command.timeoutMs);
    case "soakStart":
      soak = new SoakWorkload(system, config.nodeId, command.plan);
      soak.start();
      return null;
    case "soakStop": {
      if (soak === null) throw new Error("no soak is running");
      return { ...(await soak.stop()), unhandledRejections };
    }
    case "soakHoldings": {
      if (soak === null) throw new Error("no soak is running");
      const held: Record<string, Record<string, string[]>> = {};
      for (const [tenantId, groups] of Object.entries(soak.expected())) {
        const scope = { tenantId, namespace: "ns" };
        held[tenantId] = {};
        for (const group of Object.keys(groups)) {
          held[tenantId][group] = (await system.groups(scope).getLocalMembers(group)).sort();
        }
      }
      return { expected: soak.expected(), held };
    }
    case "shutdown":
      await close();
      return null;
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

async function close(): Promise<void> {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  stopWatches.abort();
  await system.shutdown();
}

async function main(): Promise<void> {
  try {
    system = await startSystem();
  } catch (error) {
    send({ type: "failed", error: toWire(error) });
    process.exit(1);
  }
  process.on("message", (raw) => {
    const request = raw as Request;
    run(request).then(
      (result) => {
        send({ type: "response", id: request.id, ok: true, result });
        if (request.op === "shutdown") process.disconnect();
      },
      (error: unknown) => send({ type: "response", id: request.id, ok: false, error: toWire(error) }),
    );
  });
  // The test process is gone (or told us to go): leave at once.
  process.on("disconnect", () => {
    void close().finally(() => process.exit(0));
  });
  send({ type: "ready", nodeId: config.nodeId, pid: process.pid });
}

void main();
