/**
 * Asks across real processes when a node dies: an ask to an actor of a SIGKILLed node
 * rejects with ActorNotFoundError once the node is declared dead — within
 * nodeTimeoutMs and a heartbeat or two, long before its own timeout — and an askGroup
 * in progress resolves then, listing the dead node's members as missing and every
 * live member's answer. Dispatch then no longer offers the dead node's members.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ActorNotFoundError, ActorSystem } from "../../src/index.js";
import { Cluster, clusterSkipReason, redisForThisFile } from "../support/cluster-fixture.js";
import { FAST } from "../support/timings.js";

const skip = clusterSkipReason();
const redis = redisForThisFile();
const ASK_TIMEOUT_MS = 30_000;

describe("asks to a node that dies", { skip }, () => {
  it("reject once the node is declared dead, and askGroup lists its members as missing", {
    timeout: 60_000,
  }, async (t) => {
    const c = await Cluster.start(redis.server.url, ["n1", "n2"]);
    const asker = await ActorSystem.start({ nodeId: "asker", cluster: { redis: redis.server.url, ...FAST } });
    try {
      const { scope } = c;
      await c.createGroup("n1", "svc");
      await c.node("n1").request({ op: "spawn", scope, actorId: "alive", answer: "echo" });
      await c.node("n2").request({ op: "spawn", scope, actorId: "doomed", answer: "never" });
      await c.join("n1", "svc", "alive");
      await c.join("n2", "svc", "doomed");
      await c.converged();
      const groups = asker.groups(scope);
      assert.deepEqual((await groups.members("svc")).map((m) => `${m.id}@${m.nodeId}`).sort(), [
        "alive@n1",
        "doomed@n2",
      ]);

      const doomed = asker.actorAt(scope, "doomed", "n2");
      const ask = doomed.ask("are you there?", { timeoutMs: ASK_TIMEOUT_MS });
      const gathered = groups.askGroup("svc", "health?", { timeoutMs: ASK_TIMEOUT_MS });
      ask.catch(() => undefined); // awaited below
      await new Promise((resolve) => setTimeout(resolve, 200)); // both asks reached n2
      const killedAt = Date.now();
      await c.node("n2").crash();

      await assert.rejects(ask, (error: unknown) => {
        assert.ok(error instanceof ActorNotFoundError, String(error));
        assert.match(error.message, /doomed.*n2.*not alive/);
        return true;
      });
      const askEndedMs = Date.now() - killedAt;
      const { replies, missing } = await gathered;
      const gatherEndedMs = Date.now() - killedAt;
      assert.deepEqual(
        replies.map((r) => [r.member.id, r.reply]),
        [["alive", "health?"]],
      );
      assert.deepEqual(
        missing.map((m) => [m.member.id, m.error.code]),
        [["doomed", "ACTOR_NOT_FOUND"]],
      );
      const { nodeTimeoutMs, heartbeatIntervalMs } = FAST;
      t.diagnostic(
        `after the kill, the ask rejected in ${askEndedMs} ms and the askGroup resolved in ${gatherEndedMs} ms ` +
          `(nodeTimeoutMs ${nodeTimeoutMs}, heartbeatIntervalMs ${heartbeatIntervalMs}, ask timeout ${ASK_TIMEOUT_MS})`,
      );
      // Never before the node can have been declared dead; and by the death, not by the
      // asks' own timeout (how soon is the diagnostic above: a timing, not a contract).
      for (const ms of [askEndedMs, gatherEndedMs]) {
        assert.ok(ms >= nodeTimeoutMs - heartbeatIntervalMs, `ended after only ${ms} ms`);
        assert.ok(ms < ASK_TIMEOUT_MS / 2, `ended only after ${ms} ms, as if by its timeout`);
      }
      // The dead node's member is gone from the view: dispatch reaches the live one only.
      c.forgetNode("n2");
      await c.converged();
      for (let i = 0; i < 4; i++) assert.equal((await groups.dispatch("svc", `job${i}`)).id, "alive");
    } finally {
      await asker.shutdown();
      await c.stop();
    }
  });
});
