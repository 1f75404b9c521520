"""The audit's dashboard: one self-contained HTML page (plotly.js inlined, no network).

Findings filterable by rule and severity (each quoting its evidence, linked to the report's review page
where `convert --html` wrote one), per-agency trends of received, outcomes and carried forward, and the
distribution across agencies of the outcome shares (and who answers 无法提供 most).
"""

from __future__ import annotations

import html
import json
import os
from typing import Any

from audit.rules import Entry
from audit.textnum import measures, table_value

# Series plotted for one report, in the order of the data rows.
QUANTITIES = [
    ("received", "新收 received"),
    ("closed", "办结 answered"),
    ("granted", "予以公开 granted"),
    ("partial", "部分公开 partly"),
    ("denied", "不予公开 denied"),
    ("unable", "无法提供 unable"),
    ("unprocessed", "不予处理 not processed"),
    ("other_processing", "其他处理 other"),
    ("carried_over", "上年结转 carried over"),
    ("carried_forward", "结转下年 carried forward"),
]


def report_numbers(e: Entry) -> list[float | int | None]:
    """The plotted quantities of one report (None where its table was not read), whole numbers as int."""
    ms = measures()
    vals = [table_value(e.tables, ms[q]) for q, _ in QUANTITIES]
    return [int(v) if v is not None and v.is_integer() else v for v in vals]


def review_pages(dirs: list[str], out_html: str) -> dict[str, str]:
    """Report name stem -> link (relative to the dashboard) of its review page (`convert --html`)."""
    base = os.path.dirname(os.path.abspath(out_html))
    pages: dict[str, str] = {}
    for root in dirs:
        if not os.path.isdir(root):
            continue
        for d, dirs_, files in os.walk(root):
            dirs_[:] = [x for x in dirs_ if not x.startswith(".")]
            for f in files:
                full = os.path.abspath(os.path.join(d, f))
                if f.endswith(".html") and full != os.path.abspath(out_html):
                    pages.setdefault(f[: -len(".html")], os.path.relpath(full, base).replace(os.sep, "/"))
    return pages


def page_data(entries: list[Entry], doc: dict[str, Any], links: dict[str, str]) -> dict[str, Any]:
    """What the page's script draws: series, one row per report ([series, year, *QUANTITIES]), findings, links."""
    keys = sorted(
        {e.identity.key for e in entries if e.identity.key and e.year is not None},
        key=lambda k: k,
    )
    index = {k: i for i, k in enumerate(keys)}
    level = {e.identity.key: e.identity.level for e in entries if e.identity.key}
    rows = [
        [index[e.identity.key], e.year, *report_numbers(e)]
        for e in entries
        if e.identity.key in index and e.year is not None
    ]
    link = {}
    for e in entries:
        stem = os.path.basename(e.name)[: -len(".json")] if e.name.endswith(".json") else e.name
        if stem in links:
            link[e.name] = links[stem]
    return {
        "series": [[k, level.get(k)] for k in keys],
        "quantities": [label for _, label in QUANTITIES],
        "rows": rows,
        "findings": [
            [
                f["rule"],
                f["severity"],
                f["reports"],
                f["message"],
                [[v["report"], v["quote"], v["page"]] for v in f["evidence"]],
            ]
            for f in doc["findings"]
        ],
        "links": link,
        "reports": doc["reports"],
        "agencies": doc["agencies"],
    }


def _json_for_script(obj: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#234;color:#fff;padding:10px 18px}header h1{font-size:19px;margin:0}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:14px;padding:14px}
section{background:#fff;border:1px solid #ddd;border-radius:4px;padding:10px}
section.wide{grid-column:1/3}
h2{font-size:16px;margin:0 0 8px}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid #eee;padding:3px 6px;vertical-align:top;text-align:left}
tr.error td:first-child{color:#b00;font-weight:bold}tr.warning td:first-child{color:#a60}
tr.info td:first-child{color:#357}
q{color:#444;background:#fff7d6}
.chart{height:380px}
#findings-box{max-height:460px;overflow:auto}
"""

SCRIPT = """
const D = JSON.parse(document.getElementById('data').textContent);
const esc = s => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const family = r => r.split('.')[0];
const MAX_ROWS = 400;
function reportLink(name) {
  const href = D.links[name];
  return href ? `<a href="${esc(href)}">${esc(name)}</a>` : esc(name);
}
function renderFindings() {
  const fam = document.getElementById('f-rule').value, sev = document.getElementById('f-sev').value;
  const shown = D.findings.filter(f => (fam === '' || family(f[0]) === fam) && (sev === '' || f[1] === sev));
  const body = shown.slice(0, MAX_ROWS).map(f => {
    const ev = f[4].map(v => `<div>${reportLink(v[0])}${v[2] != null ? ' p.' + v[2] : ''}: <q>${esc(v[1])}</q></div>`).join('');
    return `<tr class="${f[1]}" data-rule="${esc(f[0])}" data-severity="${f[1]}"><td>${f[1]}</td><td>${esc(f[0])}</td>` +
           `<td>${f[2].map(reportLink).join('<br>')}</td><td>${esc(f[3])}${ev}</td></tr>`;
  }).join('');
  document.getElementById('findings').innerHTML = body;
  document.getElementById('f-count').textContent =
    `${shown.length} of ${D.findings.length} findings` + (shown.length > MAX_ROWS ? ` (first ${MAX_ROWS} shown)` : '');
  document.body.dataset.shown = String(shown.length);
}
function fillSelect(id, values) {
  const s = document.getElementById(id);
  for (const v of values) { const o = document.createElement('option'); o.value = v; o.textContent = v; s.appendChild(o); }
}
const bySeries = new Map();
for (const r of D.rows) { if (!bySeries.has(r[0])) bySeries.set(r[0], []); bySeries.get(r[0]).push(r); }
function drawTrend() {
  const i = Number(document.getElementById('agency').value);
  const rows = (bySeries.get(i) || []).slice().sort((a, b) => a[1] - b[1]);
  const years = rows.map(r => r[1]);
  const traces = D.quantities.map((q, j) => ({x: years, y: rows.map(r => r[2 + j]), name: q, type: 'scatter',
    mode: 'lines+markers', visible: [0, 1, 2, 5, 9].includes(j) ? true : 'legendonly'}));
  Plotly.react('trend', traces, {margin: {t: 30, r: 10}, title: {text: D.series[i][0], font: {size: 14}},
    xaxis: {dtick: 1, title: {text: 'year'}}, yaxis: {title: {text: 'applications'}, rangemode: 'tozero'}},
    {displaylogo: false, responsive: true});
}
function drawShares() {
  // each agency's latest report: its outcome groups as shares of the applications answered
  const latest = new Map();
  for (const r of D.rows) { const p = latest.get(r[0]); if (!p || r[1] > p[1]) latest.set(r[0], r); }
  const groups = [2, 3, 4, 5, 6, 7];
  const pts = [...latest.values()].filter(r => r[3] > 0);
  const traces = groups.map(g => ({type: 'box', name: D.quantities[g - 0], boxpoints: false,
    y: pts.map(r => 100 * (r[2 + g] || 0) / r[3])}));
  Plotly.react('shares', traces, {margin: {t: 30, r: 10}, showlegend: false,
    title: {text: `outcome shares of ${pts.length} agencies (latest year, % of answered)`, font: {size: 14}},
    yaxis: {title: {text: '%'}, rangemode: 'tozero'}}, {displaylogo: false, responsive: true});
  const top = pts.filter(r => r[3] >= 10).map(r => [D.series[r[0]][0] + ' ' + r[1], 100 * (r[7] || 0) / r[3]])
    .sort((a, b) => b[1] - a[1]).slice(0, 15).reverse();
  Plotly.react('unable', [{type: 'bar', orientation: 'h', x: top.map(t => t[1]), y: top.map(t => t[0])}],
    {margin: {t: 30, l: 260, r: 10}, title: {text: '无法提供 share: the 15 highest (≥ 10 answered)', font: {size: 14}},
     xaxis: {title: {text: '% of answered'}}}, {displaylogo: false, responsive: true});
}
fillSelect('f-rule', [...new Set(D.findings.map(f => family(f[0])))].sort());
fillSelect('f-sev', ['error', 'warning', 'info'].filter(s => D.findings.some(f => f[1] === s)));
const order = D.series.map((s, i) => i).sort((a, b) =>
  (bySeries.get(b) || []).length - (bySeries.get(a) || []).length || D.series[a][0].localeCompare(D.series[b][0]));
const ag = document.getElementById('agency');
for (const i of order) { const o = document.createElement('option'); o.value = i;
  o.textContent = `${D.series[i][0]} (${(bySeries.get(i) || []).length})`; ag.appendChild(o); }
document.getElementById('f-rule').addEventListener('change', renderFindings);
document.getElementById('f-sev').addEventListener('change', renderFindings);
ag.addEventListener('change', drawTrend);
renderFindings();
if (D.series.length) { drawTrend(); }
drawShares();
document.body.dataset.charts = String(document.querySelectorAll('.js-plotly-plot').length);
document.body.dataset.readyMs = String(Math.round(performance.now()));
document.body.dataset.ready = '1';
"""


def render(entries: list[Entry], doc: dict[str, Any], links: dict[str, str]) -> str:
    """The dashboard page."""
    from plotly.offline import get_plotlyjs

    data = page_data(entries, doc, links)
    title = f"Audit: {doc['reports']} reports, {doc['agencies']} agencies, {len(doc['findings'])} findings"
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{CSS}</style><script>{get_plotlyjs()}</script></head>
<body><header><h1>{html.escape(title)}</h1></header>
<main>
<section class="wide"><h2>Findings</h2>
<label>rule <select id="f-rule"><option value="">all</option></select></label>
<label>severity <select id="f-sev"><option value="">all</option></select></label>
<span id="f-count"></span>
<div id="findings-box"><table><thead><tr><th>severity</th><th>rule</th><th>reports</th><th>message and evidence</th></tr></thead>
<tbody id="findings"></tbody></table></div></section>
<section><h2>Trend of one agency</h2><label>agency <select id="agency"></select></label><div id="trend" class="chart"></div></section>
<section><h2>Outcome shares across agencies</h2><div id="shares" class="chart"></div></section>
<section class="wide"><h2>Who answers 无法提供 most</h2><div id="unable" class="chart"></div></section>
</main>
<script type="application/json" id="data">{_json_for_script(data)}</script>
<script>{SCRIPT}</script>
</body></html>
"""


def write_dashboard(entries: list[Entry], doc: dict[str, Any], out_html: str, dirs: list[str]) -> str:
    """Write the dashboard to out_html; its path."""
    os.makedirs(os.path.dirname(os.path.abspath(out_html)) or ".", exist_ok=True)
    page = render(entries, doc, review_pages(dirs, out_html))
    with open(out_html, "w", encoding="utf-8") as f:
        f.write(page)
    return out_html
