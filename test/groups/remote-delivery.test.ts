/**
 * Messages another node published, as the backend hands them to this node's groups
 * (deliverRun in groups/remote-changes.ts): a topic reaches the local members subscribed to it, again
 * after a membership change (the group's topic cache is emptied by it), and a topic that
 * is not a valid published topic reaches nobody — not even a `#` subscriber — since a
 * wire message is only data.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NodeCourier } from "../../src/actors/courier.js";
import { ActorRuntime } from "../../src/actors/runtime.js";
import { EmbeddedGroups } from "../../src/groups/embedded-groups.js";
import { deliverRun, type RemoteRun } from "../../src/groups/remote-changes.js";
import { Scopes } from "../../src/groups/scopes.js";
import type { ActorRef, Scope } from "../../src/index.js";
import { freshScope } from "../support/helpers.js";

function node() {
  const runtime = new ActorRuntime({ nodeId: "here" });
  const scopes = new Scopes({
    nodeId: "here",
    runtime,
    courier: new NodeCourier(runtime, null),
    now: () => Date.now(),
    makeHandle: (core) => new EmbeddedGroups(core, { nodeId: "here", isStopped: false }),
  });
  const registry = {
    handle: (scope: Scope) => scopes.handle(scope),
    deliver: (scope: Scope, run: RemoteRun) => deliverRun(scopes.core(scope), run),
  };
  return { runtime, registry };
}

function run(group: string, topic: string | undefined, ...messages: unknown[]): RemoteRun {
  return { group, topic, messages, exclude: [] };
}

describe("messages from other nodes", () => {
  it("reach the subscribed members, before and after a membership change", async () => {
    const { runtime, registry } = node();
    const scope = freshScope();
    const groups = registry.handle(scope);
    await groups.createGroup("g");
    const received = new Map<string, unknown[]>();
    const spawn = (id: string): ActorRef => {
      received.set(id, []);
      return runtime.spawn({ id, ...scope }, (message) => {
        received.get(id)!.push(message);
      });
    };
    const orders = spawn("orders");
    const all = spawn("all");
    await groups.joinGroup("g", orders, { topics: ["orders.*"] });
    await groups.joinGroup("g", all, { topics: ["#"] });
    registry.deliver(scope, run("g", "orders.created", 1, 2));
    registry.deliver(scope, run("g", "orders.created", 3));
    registry.deliver(scope, run("g", "users.created", 4));
    await groups.leaveGroup("g", orders);
    registry.deliver(scope, run("g", "orders.created", 5));
    assert.deepEqual(received.get("orders"), [1, 2, 3]);
    assert.deepEqual(received.get("all"), [1, 2, 3, 4, 5]);
    runtime.close();
  });

  it("with a topic that is not valid reach nobody", async () => {
    const { runtime, registry } = node();
    const scope = freshScope();
    const groups = registry.handle(scope);
    await groups.createGroup("g");
    const received: unknown[] = [];
    const all = runtime.spawn({ id: "all", ...scope }, (message) => {
      received.push(message);
    });
    await groups.joinGroup("g", all, { topics: ["#"] });
    for (const topic of ["a..b", "", "a.*", "a.#", "ä", "x".repeat(300)]) {
      registry.deliver(scope, run("g", topic, topic));
    }
    registry.deliver(scope, run("g", "a.b", "valid"));
    assert.deepEqual(received, ["valid"]);
    runtime.close();
  });
});
