/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against a server this test starts. The page opens with a token; a
 * group created through the REST API appears; a WebSocket member that joins appears
 * within a second; a publish moves the traffic; another tenant's token sees nothing of
 * this one; deleting through the page removes the group; a group of 10 000 members is
 * shown a page at a time. Screenshots go to test-artifacts/ (ignored by git).
 *
 * Where /usr/bin/chromium is missing the test says so loudly and skips — except in CI,
 * where .ci/run installs it and a missing browser is a failure.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { api, member, scopePath, startServer, type TestServer } from "../support/server-client.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = "test-artifacts";

function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} is not installed: SKIPPING the dashboard's browser tests (apt-get install chromium)`;
  if (process.env.CI === "true") throw new Error(`${reason} — but CI=true, where it is required`);
  console.warn(`\n!!! ${reason}\n`);
  return reason;
}

const skip = browserSkipReason();
const ACME = "acme-dashboard-token-000";
const GLOBEX = "globex-dashboard-token-000";

/** How long the page may take to show a change (it never reloads by itself). */
const LIVE_MS = 10_000;

describe("the dashboard", { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    server = await startServer({ tokens: { acme: [ACME], globex: [GLOBEX] } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(token: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on("dialog", (dialog) => void dialog.accept()); // every action asks to be confirmed
    await page.goto(`${server.url}/`);
    await page.getByLabel("Token", { exact: true }).fill(token);
    await page.getByRole("button", { name: "Open" }).click();
    await page.locator("#app").waitFor({ state: "visible" });
    return page;
  }

  // The page never reloads by itself, so anything that appears came live. The deadlines
  // are generous (a shared machine can be slow); how fast a join appeared is reported.
  it("shows groups, members and traffic as they change, and deletes a group", async (t) => {
    const page = await open(ACME);
    await page.getByLabel("Namespace", { exact: true }).fill("live");
    await page.getByLabel("Namespace", { exact: true }).dispatchEvent("change");
    const path = scopePath("acme", "live");
    assert.equal(
      (
        await api(server.url, "POST", `${path}/groups`, {
          token: ACME,
          body: { name: "orders", labels: { team: "billing" } },
        })
      ).status,
      201,
    );
    await page.getByRole("button", { name: "Show group orders" }).waitFor({ timeout: LIVE_MS });
    await page.getByRole("button", { name: "Show group orders" }).click();
    const alice = await member(server.url, path, { actorId: "alice" }, ACME);
    await alice.request({ type: "join", group: "orders", topics: ["order.*"], meta: { device: "laptop" } });
    // A join made by any client appears without a reload.
    const joinedAt = performance.now();
    await page.locator("#members").getByText("alice").waitFor({ timeout: LIVE_MS });
    t.diagnostic(
      `a WebSocket member's join appeared on the page ${Math.round(performance.now() - joinedAt)} ms after its ack`,
    );
    await page.locator("#members").getByText("order.*").waitFor();
    await page.locator("#members").getByText('{"device":"laptop"}').waitFor(); // its presence meta
    await api(server.url, "POST", `${path}/groups/orders/publish`, {
      token: ACME,
      body: { payload: { id: 7 }, topic: "order.created" },
    });
    await page.locator("#recent").getByText("order.created").waitFor({ timeout: LIVE_MS });
    await page
      .locator("#totals")
      .getByText(/^[1-9]\d* publishes, [1-9]\d* deliveries/)
      .waitFor({ timeout: LIVE_MS });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true });
    // A test message from the page reaches the member.
    await page.getByLabel("Topic", { exact: true }).fill("order.paid");
    await page.getByRole("button", { name: "Publish test message" }).click();
    await alice.next("the page's test message", (f) => f.topic === "order.paid");
    await page.getByRole("button", { name: "Delete group" }).click();
    await page
      .getByRole("button", { name: "Show group orders" })
      .waitFor({ state: "detached", timeout: LIVE_MS });
    assert.equal((await api(server.url, "GET", `${path}/groups/orders`, { token: ACME })).status, 404);
    await alice.close();
    await page.close();
  });

  it("shows another tenant's token nothing of this tenant", async () => {
    const path = scopePath("acme", "default");
    await api(server.url, "POST", `${path}/groups`, { token: ACME, body: { name: "secret" } });
    const page = await open(GLOBEX);
    assert.equal(await page.getByLabel("Tenant", { exact: true }).inputValue(), "globex");
    assert.equal(await page.getByLabel("Tenant", { exact: true }).getAttribute("readonly"), "");
    await page.getByText(/node server-node/).waitFor();
    assert.equal(await page.getByRole("button", { name: "Show group secret" }).count(), 0);
    // Nor can it get there by asking for the other tenant's scope.
    assert.equal((await api(server.url, "GET", `${path}/groups`, { token: GLOBEX })).status, 403);
    await page.close();
  });

  it("asks for a token, and refuses a wrong one", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/dashboard`);
    await page.getByLabel("Token", { exact: true }).waitFor();
    await page.getByLabel("Token", { exact: true }).fill("not-a-real-token-0000");
    await page.getByRole("button", { name: "Open" }).click();
    await page.getByLabel("Token", { exact: true }).waitFor();
    assert.equal(await page.locator("#app").isHidden(), true);
    await page.close();
  });

  it("pages through a group of 10 000 members, and reads at a phone's width", async () => {
    const path = scopePath("acme", "big");
    await api(server.url, "POST", `${path}/groups`, { token: ACME, body: { name: "crowd" } });
    const groups = server.system.groups({ tenantId: "acme", namespace: "big" });
    for (let i = 0; i < 10_000; i++) {
      const ref = server.system.spawn(
        { id: `m${String(i).padStart(5, "0")}`, tenantId: "acme", namespace: "big" },
        () => {},
      );
      await groups.joinGroup("crowd", ref);
    }
    const page = await open(ACME);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel("Namespace", { exact: true }).fill("big");
    await page.getByLabel("Namespace", { exact: true }).dispatchEvent("change");
    await page.getByRole("button", { name: "Show group crowd" }).click();
    await page.locator("#page").getByText("1–100 of 10000").waitFor();
    assert.equal(await page.locator("#members tr").count(), 100, "one page of rows, not 10 000");
    await page.getByRole("button", { name: "Next" }).click();
    await page.locator("#page").getByText("101–200 of 10000").waitFor();
    await page.locator("#members").getByText("m00100").waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-phone.png`, fullPage: true });
    await page.close();
  });
});
