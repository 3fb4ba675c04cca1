/**
 * Draws docs/bench.svg by hand (no charting dependency): two log-log panels, the
 * fan-out rate against group size for Chorus and each peer, and the selective-publish
 * rate against group size with 10 members matching.
 */
import type { CaseResult } from "./harness.js";

const COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
const W = 460;
const H = 340;
const PAD = { left: 62, right: 12, top: 34, bottom: 46 };

interface Series {
  readonly name: string;
  readonly points: [number, number][];
}

/** Series by contender name from cases named "<n> members" or "<k> of <n> members match". */
function seriesOf(cases: readonly CaseResult[]): Series[] {
  const byName = new Map<string, [number, number][]>();
  for (const c of cases) {
    const n = Number(/(\d+) members/.exec(c.case)?.[1]);
    if (!Number.isFinite(n)) continue;
    for (const s of c.contenders) {
      let points = byName.get(s.name);
      if (points === undefined) byName.set(s.name, (points = []));
      points.push([n, s.median]);
    }
  }
  return [...byName].map(([name, points]) => ({ name, points }));
}

const log10 = Math.log10;

function panel(title: string, yLabel: string, series: readonly Series[], dx: number): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  if (xs.length === 0) return "";
  const x0 = Math.floor(log10(Math.min(...xs)));
  const x1 = Math.ceil(log10(Math.max(...xs)));
  const y0 = Math.floor(log10(Math.min(...ys)));
  const y1 = Math.ceil(log10(Math.max(...ys)));
  const px = (x: number) =>
    dx + PAD.left + ((log10(x) - x0) / Math.max(1, x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number) =>
    PAD.top + (1 - (log10(y) - y0) / Math.max(1, y1 - y0)) * (H - PAD.top - PAD.bottom);
  const out: string[] = [];
  out.push(`<text x="${dx + W / 2}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`);
  for (let e = x0; e <= x1; e++) {
    const x = px(10 ** e);
    out.push(`<line x1="${x}" y1="${PAD.top}" x2="${x}" y2="${H - PAD.bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${H - PAD.bottom + 16}" text-anchor="middle">${short(10 ** e)}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${dx + PAD.left}" y1="${y}" x2="${dx + W - PAD.right}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${dx + PAD.left - 6}" y="${y + 4}" text-anchor="end">${short(10 ** e)}</text>`);
  }
  out.push(
    `<text x="${dx + W / 2}" y="${H - 8}" text-anchor="middle">members in the group</text>`,
    `<text transform="translate(${dx + 14},${H / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const points = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    const width = i === 0 ? 3 : 1.5;
    out.push(`<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="${width}"/>`);
    for (const [x, y] of s.points) {
      out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${colour}"/>`);
    }
    const ly = PAD.top + 4 + i * 14;
    out.push(
      `<rect x="${dx + W - 190}" y="${ly}" width="10" height="10" fill="${colour}"/>`,
      `<text x="${dx + W - 176}" y="${ly + 9}">${escapeXml(s.name)}</text>`,
    );
  });
  return out.join("\n");
}

function short(v: number): string {
  if (v >= 1e9) return `${v / 1e9}G`;
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** The SVG document, or null when neither scenario ran. */
export function chart(results: readonly CaseResult[]): string | null {
  const fan = seriesOf(results.filter((r) => r.scenario === "fan-out"));
  const selective = seriesOf(results.filter((r) => r.scenario === "selective publish"));
  if (fan.length === 0 && selective.length === 0) return null;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H}" viewBox="0 0 ${2 * W} ${H}" font-family="sans-serif" font-size="11">`,
    "<title>Chorus and its peers: fan-out and selective-publish rates by group size</title>",
    `<rect width="100%" height="100%" fill="white"/>`,
    panel("Fan-out: one publish to every member", "deliveries / s", fan, 0),
    panel("Selective publish: 10 members match", "publishes / s", selective, W),
    "</svg>",
    "",
  ].join("\n");
}
