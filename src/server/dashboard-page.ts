/**
 * The dashboard's page: the markup and styles, served as they are; the behaviour is
 * src/dashboard/app.ts, compiled with the rest and served at /dashboard/app.js.
 * Nothing is fetched from anywhere else.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chorus</title>
<style>
  :root { color-scheme: light; --fg: #1a1a1a; --muted: #555; --line: #d0d0d0; --accent: #0b5cad; --bad: #a4161a; --ok: #1b6e2d; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: #fafafa; }
  header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 1.1rem; margin: 0; }
  .badge { padding: .1rem .5rem; border-radius: 1rem; border: 1px solid currentColor; font-size: .85rem; }
  .ready { color: var(--ok); } .degraded, .stopped, .connecting { color: var(--bad); }
  main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.4fr); gap: 1rem; padding: 1rem; }
  section { background: #fff; border: 1px solid var(--line); border-radius: .4rem; padding: .8rem; min-width: 0; }
  h2 { font-size: 1rem; margin: 0 0 .6rem; }
  h3 { font-size: .95rem; margin: .9rem 0 .4rem; }
  table { width: 100%; border-collapse: collapse; font-size: .9rem; }
  th, td { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
  tr.selected td { background: #e8f0fb; }
  button { font: inherit; padding: .25rem .7rem; border: 1px solid var(--accent); background: #fff; color: var(--accent); border-radius: .3rem; cursor: pointer; }
  button.primary { background: var(--accent); color: #fff; }
  button.danger { border-color: var(--bad); color: var(--bad); }
  button:focus-visible, input:focus-visible, select:focus-visible, a:focus-visible { outline: 3px solid #f0b400; outline-offset: 1px; }
  input, select { font: inherit; padding: .25rem .4rem; border: 1px solid #888; border-radius: .3rem; max-width: 100%; }
  label { display: inline-flex; flex-direction: column; gap: .15rem; font-size: .85rem; color: var(--muted); }
  form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; margin: .5rem 0; }
  .row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
  .muted { color: var(--muted); }
  .local { font-weight: 600; }
  svg.chart { width: 100%; height: 90px; border: 1px solid var(--line); background: #fff; }
  .legend span { margin-right: .8rem; font-size: .85rem; }
  #message { min-height: 1.4rem; }
  #message.error { color: var(--bad); }
  [hidden] { display: none !important; }
  @media (max-width: 760px) { main { grid-template-columns: 1fr; padding: .5rem; } .wide { display: none; } }
</style>
</head>
<body>
<header>
  <h1>Chorus</h1>
  <span id="node" class="muted"></span>
  <span id="status" class="badge" role="status" aria-live="polite"></span>
  <span id="message" role="alert"></span>
</header>
<form id="login" hidden aria-labelledby="login-title">
  <h2 id="login-title">Sign in with a tenant token</h2>
  <label>Token <input id="token" type="password" autocomplete="off" required></label>
  <button class="primary" type="submit">Open</button>
</form>
<main id="app" hidden>
  <section aria-labelledby="groups-title">
    <h2 id="groups-title">Groups</h2>
    <div class="row">
      <label>Tenant <input id="tenant" size="14"></label>
      <label>Namespace <input id="namespace" list="namespaces" size="14" value="default"></label>
      <datalist id="namespaces"></datalist>
      <label>Filter <input id="filter" type="search" size="12" placeholder="name contains"></label>
    </div>
    <table aria-describedby="groups-title">
      <thead><tr><th scope="col">Name</th><th scope="col">Members</th><th scope="col">Pub/s</th><th scope="col" class="wide">Labels</th><th scope="col" class="wide">Created</th></tr></thead>
      <tbody id="groups"></tbody>
    </table>
    <form id="create">
      <label>New group <input id="new-name" required pattern="[a-z0-9_.-]{1,128}"></label>
      <label>Labels <input id="new-labels" placeholder="key=value,…"></label>
      <button class="primary" type="submit">Create</button>
    </form>
    <h3 id="cluster-title">Cluster</h3>
    <ul id="nodes" aria-labelledby="cluster-title"></ul>
  </section>
  <section aria-labelledby="group-title">
    <h2 id="group-title">Select a group</h2>
    <div id="group" hidden>
      <div class="row">
        <button id="delete" class="danger" type="button">Delete group</button>
      </div>
      <form id="publish">
        <label>Topic <input id="pub-topic" placeholder="optional"></label>
        <label>Message <input id="pub-message" value='{"test":true}'></label>
        <button type="submit">Publish test message</button>
      </form>
      <h3>Traffic, last 5 minutes</h3>
      <svg id="chart" class="chart" viewBox="0 0 300 90" preserveAspectRatio="none" role="img" aria-label="publishes, deliveries and drops per second"></svg>
      <p class="legend"><span style="color:#0b5cad">■ publishes/s</span><span style="color:#1b6e2d">■ deliveries/s</span><span style="color:#a4161a">■ drops/s</span> <span id="totals" class="muted"></span></p>
      <h3>Latest messages</h3>
      <table><thead><tr><th scope="col">When</th><th scope="col">Topic</th><th scope="col" class="wide">Bytes</th><th scope="col">Recipients</th><th scope="col">Payload</th></tr></thead><tbody id="recent"></tbody></table>
      <h3>Members <span id="member-count" class="muted"></span></h3>
      <p id="per-node" class="muted"></p>
      <table><thead><tr><th scope="col">Actor</th><th scope="col">Node</th><th scope="col" class="wide">Joins</th><th scope="col">Topics</th><th scope="col" class="wide">Meta</th></tr></thead><tbody id="members"></tbody></table>
      <div class="row"><button id="prev" type="button">Previous</button><span id="page" class="muted"></span><button id="next" type="button">Next</button></div>
    </div>
  </section>
</main>
<script type="module" src="/dashboard/app.js"></script>
</body>
</html>
`;
