/**
 * Tenant auth and quotas over real loopback HTTP and WebSocket: no token or an unknown
 * one is 401, another tenant's token is 403, on REST and on the WebSocket upgrade
 * alike; a browser's token in the query string works; quotas refuse with 429 (groups,
 * members) and 413 (payload) and change nothing. And /metrics counts what went through.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, member, scopePath, startServer, type TestServer } from "../support/server-client.js";

const ACME = "acme-token-0123456789";
const GLOBEX = "globex-token-0123456789";

describe("tenant auth", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ tokens: { acme: [ACME], globex: [GLOBEX] } });
  });
  after(async () => {
    await server.close();
  });

  it("refuses no token and an unknown one with 401, another tenant's with 403, on REST", async () => {
    const path = `${scopePath("acme")}/groups`;
    for (const [token, status, code] of [
      [undefined, 401, "UNAUTHORIZED"],
      ["not-a-token-at-all-0000", 401, "UNAUTHORIZED"],
      [GLOBEX, 403, "FORBIDDEN"],
    ] as const) {
      for (const [method, body] of [
        ["GET", undefined],
        ["POST", { name: "g" }],
      ] as const) {
        const answer = await api(server.url, method, path, {
          ...(token && { token }),
          ...(body && { body }),
        });
        assert.equal(answer.status, status, `${method} with ${token}`);
        assert.equal(answer.body.error.code, code);
      }
    }
    assert.deepEqual(
      (await api(server.url, "GET", path, { token: ACME })).body.groups,
      [],
      "nothing was created",
    );
    assert.equal((await api(server.url, "POST", path, { token: ACME, body: { name: "g" } })).status, 201);
    // Health and metrics carry no tenant data: they need no token.
    assert.equal((await api(server.url, "GET", "/healthz")).status, 200);
  });

  it("refuses the WebSocket upgrade the same way, and takes a token in the query string", async () => {
    const scope = scopePath("acme");
    await assert.rejects(member(server.url, scope), /upgrade refused: 401/);
    await assert.rejects(member(server.url, scope, {}, GLOBEX), /upgrade refused: 403/);
    await assert.rejects(member(server.url, scope, { token: GLOBEX }), /upgrade refused: 403/);
    const ok = await member(server.url, scope, { token: ACME, actorId: "browser" });
    assert.equal((await ok.request({ type: "join", group: "g" })).type, "ack");
    await ok.close();
  });
});

describe("quotas", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      quotas: { maxGroupsPerTenant: 2, maxMembersPerTenant: 1, maxPayloadBytes: 100 },
    });
  });
  after(async () => {
    await server.close();
  });

  it("refuse a tenant's groups, members and payloads past their bounds, and nothing else", async () => {
    const one = scopePath("quota", "one");
    const two = scopePath("quota", "two");
    assert.equal((await api(server.url, "POST", `${one}/groups`, { body: { name: "a" } })).status, 201);
    assert.equal((await api(server.url, "POST", `${two}/groups`, { body: { name: "b" } })).status, 201);
    const third = await api(server.url, "POST", `${one}/groups`, { body: { name: "c" } });
    assert.deepEqual([third.status, third.body.error.code], [429, "QUOTA_EXCEEDED"]);
    assert.equal(
      (await api(server.url, "POST", `${scopePath("other")}/groups`, { body: { name: "c" } })).status,
      201,
    );

    const big = await api(server.url, "POST", `${one}/groups/a/publish`, {
      body: { payload: "x".repeat(200) },
    });
    assert.deepEqual([big.status, big.body.error.code], [413, "PAYLOAD_TOO_LARGE"]);
    assert.equal(
      (await api(server.url, "POST", `${one}/groups/a/publish`, { body: { payload: "small" } })).status,
      200,
    );

    const first = await member(server.url, one, { actorId: "m1" });
    const second = await member(server.url, one, { actorId: "m2" });
    assert.equal((await second.closed).code, 4429);
    assert.equal((second.frames[0]!.error as { code: string }).code, "QUOTA_EXCEEDED");
    await first.close();
    const again = await member(server.url, one, { actorId: "m3" });
    assert.equal(
      (await again.request({ type: "join", group: "a" })).type,
      "ack",
      "a slot freed by a close is free",
    );
    await again.close();
  });
});

describe("metrics and readiness", () => {
  it("count joins, publishes, deliveries, groups and members per tenant", async () => {
    const server = await startServer();
    try {
      const path = scopePath("metered");
      await api(server.url, "POST", `${path}/groups`, { body: { name: "g" } });
      const m = await member(server.url, path, { actorId: "m" });
      await m.request({ type: "join", group: "g" });
      await api(server.url, "POST", `${path}/groups/g/publish`, { body: { payload: 1 } });
      await m.next("the message", (f) => f.type === "message");
      const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
      for (const line of [
        'chorus_joins_total{tenant="metered"} 1',
        'chorus_publishes_total{tenant="metered",via="rest"} 1',
        'chorus_deliveries_total{tenant="metered"} 1',
        'chorus_groups{tenant="metered"} 1',
        'chorus_members{tenant="metered"} 1',
        'chorus_websocket_connections{tenant="metered"} 1',
        "chorus_ready 1",
      ]) {
        assert.ok(text.includes(line), `${line} in\n${text}`);
      }
      assert.match(text, /chorus_publish_duration_seconds_count\{tenant="metered"\} 1/);
      await m.close();
    } finally {
      await server.close();
    }
  });
});
