/// <reference lib="dom" />
/**
 * The dashboard, in the browser: it reads the REST API and the scope's event stream of
 * the server that served it, with the tenant token kept for the tab (sessionStorage).
 * A membership event refreshes what it touches within a moment; a traffic event each
 * second moves the counters and the chart. Members are read a page at a time.
 */

interface Group {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly createdAt: string;
  readonly memberCount: number;
}
interface MemberInfo {
  readonly actorId: string;
  readonly nodeId: string;
  readonly joinCount: number;
  readonly topics: readonly string[];
  readonly isLocal: boolean;
  readonly meta?: unknown;
}
interface Point {
  readonly t: number;
  readonly publishes: number;
  readonly deliveries: number;
  readonly drops: number;
}
interface Recent {
  readonly atMs: number;
  readonly topic: string | null;
  readonly bytes: number;
  readonly recipients: number;
  readonly preview: string;
}

const PAGE = 100;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const state = {
  token: sessionStorage.getItem("chorus-token") ?? "",
  selected: null as string | null,
  offset: 0,
  groups: [] as Group[],
  rates: {} as Record<string, Omit<Point, "t">>,
  series: [] as Point[],
  events: null as EventSource | null,
  refreshing: 0,
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      ...(state.token !== "" && { authorization: `Bearer ${state.token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const json = (await response.json()) as { error?: { code: string; message: string } };
  if (!response.ok)
    throw new HttpError(response.status, json.error?.code ?? "ERROR", json.error?.message ?? "");
  return json as T;
}

const scopePath = () =>
  `/v1/tenants/${encodeURIComponent($<HTMLInputElement>("tenant").value)}/namespaces/${encodeURIComponent($<HTMLInputElement>("namespace").value)}`;

function say(text: string, isError = false): void {
  const message = $("message");
  message.textContent = text;
  message.className = isError ? "error" : "";
}

function fail(error: unknown): void {
  if (error instanceof HttpError && error.status === 401) {
    showLogin();
    return;
  }
  say(error instanceof Error ? error.message : String(error), true);
}

function cell(row: HTMLTableRowElement, text: string, className = ""): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  if (className !== "") td.className = className;
  return td;
}

function renderGroups(): void {
  const filter = $<HTMLInputElement>("filter").value.trim();
  const body = $("groups");
  body.replaceChildren();
  for (const group of state.groups) {
    if (filter !== "" && !group.name.includes(filter)) continue;
    const row = body.appendChild(document.createElement("tr"));
    if (group.name === state.selected) row.className = "selected";
    const name = row.insertCell().appendChild(document.createElement("button"));
    name.type = "button";
    name.textContent = group.name;
    name.setAttribute("aria-label", `Show group ${group.name}`);
    name.addEventListener("click", () => select(group.name));
    cell(row, String(group.memberCount));
    cell(row, String(state.rates[group.name]?.publishes ?? 0));
    cell(
      row,
      Object.entries(group.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(", "),
      "wide",
    );
    cell(row, new Date(group.createdAt).toLocaleString(), "wide");
  }
}

async function loadGroups(): Promise<void> {
  const all: Group[] = [];
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ pageSize: "1000", ...(token !== undefined && { pageToken: token }) });
    const page = await api<{ groups: Group[]; nextPageToken?: string }>(
      "GET",
      `${scopePath()}/groups?${query}`,
    );
    all.push(...page.groups);
    token = page.nextPageToken;
  } while (token !== undefined);
  state.groups = all;
  if (state.selected !== null && !all.some((g) => g.name === state.selected)) {
    state.selected = null;
    $("group").hidden = true;
    $("group-title").textContent = "Select a group";
  }
  renderGroups();
}

async function loadMembers(): Promise<void> {
  if (state.selected === null) return;
  const path = `${scopePath()}/groups/${encodeURIComponent(state.selected)}/members/details?offset=${state.offset}&limit=${PAGE}`;
  const page = await api<{
    total: number;
    offset: number;
    perNode: Record<string, number>;
    members: MemberInfo[];
  }>("GET", path);
  $("member-count").textContent = `(${page.total})`;
  $("per-node").textContent = Object.entries(page.perNode)
    .map(([node, count]) => `${node}: ${count}`)
    .join(" · ");
  const body = $("members");
  body.replaceChildren();
  for (const m of page.members) {
    const row = body.appendChild(document.createElement("tr"));
    cell(row, m.actorId, m.isLocal ? "local" : "");
    cell(row, m.isLocal ? `${m.nodeId} (this node)` : m.nodeId, m.isLocal ? "local" : "");
    cell(row, String(m.joinCount), "wide");
    cell(row, m.topics.length === 0 ? "everything" : m.topics.join(", "));
    const meta = m.meta === undefined ? "" : JSON.stringify(m.meta);
    cell(row, meta.length > 80 ? `${meta.slice(0, 79)}…` : meta, "wide");
  }
  const last = Math.min(page.offset + PAGE, page.total);
  $("page").textContent = page.total === 0 ? "no members" : `${page.offset + 1}–${last} of ${page.total}`;
  $<HTMLButtonElement>("prev").disabled = page.offset === 0;
  $<HTMLButtonElement>("next").disabled = last >= page.total;
}

async function loadTraffic(): Promise<void> {
  if (state.selected === null) return;
  const traffic = await api<{ series: Point[]; recent: Recent[] }>(
    "GET",
    `${scopePath()}/groups/${encodeURIComponent(state.selected)}/traffic`,
  );
  state.series = traffic.series;
  drawChart();
  const body = $("recent");
  body.replaceChildren();
  for (const r of [...traffic.recent].reverse()) {
    const row = body.appendChild(document.createElement("tr"));
    cell(row, new Date(r.atMs).toLocaleTimeString());
    cell(row, r.topic ?? "—");
    cell(row, String(r.bytes), "wide");
    cell(row, String(r.recipients));
    cell(row, r.preview);
  }
}

function drawChart(): void {
  const series = state.series;
  const max = Math.max(1, ...series.map((p) => Math.max(p.publishes, p.deliveries, p.drops)));
  const line = (key: keyof Omit<Point, "t">, color: string) => {
    const points = series.map(
      (p, i) => `${(i * 300) / Math.max(1, series.length - 1)},${88 - (p[key] / max) * 84}`,
    );
    return `<polyline fill="none" stroke="${color}" stroke-width="1.2" points="${points.join(" ")}"/>`;
  };
  $("chart").innerHTML =
    line("deliveries", "#1b6e2d") + line("publishes", "#0b5cad") + line("drops", "#a4161a");
  const total = (key: keyof Omit<Point, "t">) => series.reduce((n, p) => n + p[key], 0);
  $("totals").textContent =
    `${total("publishes")} publishes, ${total("deliveries")} deliveries, ${total("drops")} drops`;
}

async function select(name: string): Promise<void> {
  state.selected = name;
  state.offset = 0;
  $("group").hidden = false;
  $("group-title").textContent = `Group ${name}`;
  renderGroups();
  await Promise.all([loadMembers(), loadTraffic()]).catch(fail);
}

async function loadCluster(): Promise<void> {
  const cluster = await api<{ self: string; status: string; nodes: string[] }>("GET", "/v1/cluster");
  $("node").textContent = `node ${cluster.self}`;
  const status = $("status");
  status.textContent = cluster.status;
  status.className = `badge ${cluster.status}`;
  const list = $("nodes");
  list.replaceChildren();
  for (const node of cluster.nodes) {
    const item = list.appendChild(document.createElement("li"));
    item.textContent = node === cluster.self ? `${node} (this node) — alive` : `${node} — alive`;
  }
}

// Many events in a burst make one refresh, at most a few times a second.
function refreshSoon(): void {
  if (state.refreshing !== 0) return;
  state.refreshing = window.setTimeout(() => {
    state.refreshing = 0;
    void Promise.all([loadGroups(), loadMembers()]).catch(fail);
  }, 150);
}

function listen(): void {
  state.events?.close();
  const events = new EventSource(
    `${scopePath()}/events${state.token === "" ? "" : `?token=${encodeURIComponent(state.token)}`}`,
  );
  state.events = events;
  // The scope is read once its stream is open (and again after each reconnect), so no
  // change made between the read and the stream's start is missed.
  events.addEventListener("hello", () => void Promise.all([loadGroups(), loadMembers()]).catch(fail));
  events.addEventListener("membership", refreshSoon);
  events.addEventListener("traffic", (event) => {
    state.rates = JSON.parse((event as MessageEvent<string>).data) as Record<string, Omit<Point, "t">>;
    renderGroups();
    const now = Math.floor(Date.now() / 1_000) - 1;
    if (state.selected !== null) {
      const rate = state.rates[state.selected] ?? { publishes: 0, deliveries: 0, drops: 0 };
      state.series = [...state.series.slice(1), { t: now, ...rate }];
      drawChart();
      if (rate.publishes > 0) void loadTraffic().catch(fail);
    }
  });
}

async function openScope(): Promise<void> {
  const { namespaces } = await api<{ namespaces: string[] }>(
    "GET",
    `/v1/tenants/${encodeURIComponent($<HTMLInputElement>("tenant").value)}/namespaces`,
  );
  const list = $("namespaces");
  list.replaceChildren(
    ...namespaces.map((ns) => Object.assign(document.createElement("option"), { value: ns })),
  );
  listen();
}

function showLogin(): void {
  $("app").hidden = true;
  $("login").hidden = false;
  $<HTMLInputElement>("token").focus();
}

async function start(): Promise<void> {
  const who = await api<{ tenant: string | null; open: boolean }>("GET", "/v1/whoami");
  const tenant = $<HTMLInputElement>("tenant");
  tenant.value = who.tenant ?? (tenant.value || "default");
  tenant.readOnly = who.tenant !== null;
  $("login").hidden = true;
  $("app").hidden = false;
  say("");
  await loadCluster();
  await openScope();
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  state.token = $<HTMLInputElement>("token").value.trim();
  sessionStorage.setItem("chorus-token", state.token);
  void start().catch(fail);
});
$("filter").addEventListener("input", renderGroups);
for (const id of ["tenant", "namespace"])
  $(id).addEventListener("change", () => void openScope().catch(fail));
$("create").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $<HTMLInputElement>("new-name").value.trim();
  const labels = Object.fromEntries(
    $<HTMLInputElement>("new-labels")
      .value.split(",")
      .map((pair) => pair.trim())
      .filter((pair) => pair.includes("="))
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  );
  if (!window.confirm(`Create group ${name}?`)) return;
  void api("POST", `${scopePath()}/groups`, { name, labels })
    .then(() => {
      say(`created ${name}`);
      $<HTMLInputElement>("new-name").value = "";
      return loadGroups();
    })
    .catch(fail);
});
$("delete").addEventListener("click", () => {
  const name = state.selected;
  if (name === null || !window.confirm(`Delete group ${name} and every membership in it?`)) return;
  void api("DELETE", `${scopePath()}/groups/${encodeURIComponent(name)}`)
    .then(() => {
      say(`deleted ${name}`);
      return loadGroups();
    })
    .catch(fail);
});
$("publish").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = state.selected;
  if (name === null) return;
  const text = $<HTMLInputElement>("pub-message").value;
  let payload: unknown = text;
  try {
    payload = JSON.parse(text);
  } catch {
    // not JSON: sent as the text
  }
  const topic = $<HTMLInputElement>("pub-topic").value.trim();
  if (!window.confirm(`Publish to ${name}${topic === "" ? "" : ` on ${topic}`}?`)) return;
  void api<{ recipients: string[] }>("POST", `${scopePath()}/groups/${encodeURIComponent(name)}/publish`, {
    payload,
    ...(topic !== "" && { topic }),
  })
    .then((result) => {
      say(`published to ${result.recipients.length} member(s)`);
      return loadTraffic();
    })
    .catch(fail);
});
$("prev").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - PAGE);
  void loadMembers().catch(fail);
});
$("next").addEventListener("click", () => {
  state.offset += PAGE;
  void loadMembers().catch(fail);
});
window.setInterval(() => void loadCluster().catch(() => undefined), 5_000);

void start().catch(fail);
