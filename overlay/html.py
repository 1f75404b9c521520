"""One self-contained HTML review page per document: page overlays beside the canonical tables.

Images are inline (base64 data URIs), CSS and JS inline, nothing fetched. Hovering a value in a table
outlines its cell on the page (and the other way round); clicking pins it and scrolls to it; clicking
a failing check outlines every cell it covers. Boxes over the page are outlines only, so the printed
value shows through. The arrow keys step from doubtful cell to doubtful cell (low confidence, or named
by a failing check): a panel shows its crop enlarged, the reading, the alternatives and why it is doubted.
"""

from __future__ import annotations

import base64
import json
from html import escape
from typing import TYPE_CHECKING, Any

from ingest.grid import Document
from normalize.build import SECTIONS
from normalize.template import field_label, labels
from overlay.draw import COLORS, STATE_NAMES, blend, to_px, value_text
from overlay.marks import LOW_CONFIDENCE, STATES, Mark

if TYPE_CHECKING:
    from overlay import OverlayPage, Overlays

TABLE_ORDER = SECTIONS  # the canonical tables, in report order
TABLE_TITLES = {
    "active_disclosure": "二 主动公开 active_disclosure",
    "applications": "三 依申请公开 applications",
    "review_litigation": "四 行政复议、行政诉讼 review_litigation",
    "applications_group_totals": "三 collapsed groups applications_group_totals",
    "applications_extra_columns": "三 extra columns applications_extra_columns",
}

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:0;color:#222;background:#f4f4f4}
header{padding:10px 16px;background:#fff;border-bottom:1px solid #ccc}
header h1{font-size:18px;margin:0 0 4px}
.meta{font-size:13px;color:#555}.err{color:#b91c1c;font-weight:bold}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:12px;padding:12px}
.pages{min-width:0}.side{min-width:0;position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto}
.page{position:relative;margin:0 0 14px;background:#fff;box-shadow:0 1px 3px #0003}
.page img{display:block;width:100%;height:auto}
.page h2{font-size:13px;margin:0;padding:4px 8px;background:#eee}
.frame{position:relative}
.box{position:absolute;box-sizing:border-box;cursor:pointer;background:transparent;border:2px solid transparent}
.box:hover,.box.hl{outline:3px solid #111;box-shadow:0 0 0 5px #facc1566;z-index:2}
.box.cur{outline:3px solid #2563eb;box-shadow:0 0 0 6px #2563eb55;z-index:3}
#doubt{position:fixed;left:12px;bottom:12px;width:360px;background:#fff;border:2px solid #2563eb;
box-shadow:0 2px 8px #0004;padding:8px;font-size:12px;z-index:8;display:none}
#doubt canvas{display:block;max-width:100%;border:1px solid #999;margin:4px 0;image-rendering:pixelated}
#doubt .why{color:#b91c1c}#doubt .f{font-weight:bold}#doubt .lab{color:#444}
.lab{color:#666;font-size:11px}
section{background:#fff;margin:0 0 12px;padding:8px;box-shadow:0 1px 3px #0002}
section h3{font-size:14px;margin:2px 0 6px}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border:1px solid #ccc;padding:2px 4px;text-align:right;white-space:nowrap}
th{background:#f0f0f0;font-weight:normal;font-size:11px}
th.rowh{text-align:left;white-space:normal;min-width:10em}
td.v{cursor:pointer}
td.v.hl,td.v:hover{outline:3px solid #111;outline-offset:-2px;background:#facc15 !important}
.s-none{background:#fff;color:#999}
ul{margin:0;padding-left:18px;font-size:12px}
li.check{cursor:pointer;margin:2px 0}li.check:hover,li.check.hl{background:#fde68a}
.legend span{display:inline-block;margin:0 10px 2px 0;font-size:12px}
.legend i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle;border:2px solid}
#tip{position:fixed;pointer-events:none;background:#111;color:#fff;font-size:12px;padding:4px 6px;
white-space:pre;border-radius:3px;display:none;z-index:9}
"""

JS = """
(function(){
  var pinned=null, tip=document.getElementById('tip');
  function els(fields){
    var out=[];
    fields.forEach(function(f){
      document.querySelectorAll('[data-field="'+f.replace(/"/g,'')+'"]').forEach(function(e){out.push(e);});
    });
    return out;
  }
  function mark(fields,on){els(fields).forEach(function(e){e.classList.toggle('hl',on);});}
  function fieldsOf(e){return e.dataset.fields?e.dataset.fields.split(' '):[e.dataset.field];}
  function pin(e){
    if(pinned){mark(pinned,false);}
    var fs=fieldsOf(e);
    if(pinned&&pinned.join()===fs.join()){pinned=null;return;}
    pinned=fs;mark(fs,true);
    var box=els(fs).filter(function(x){return x.classList.contains('box');})[0];
    if(box&&!e.classList.contains('box')){box.scrollIntoView({block:'center',behavior:'smooth'});}
    else{var td=els(fs).filter(function(x){return x.tagName==='TD';})[0];if(td){td.scrollIntoView({block:'nearest'});}}
  }
  document.querySelectorAll('td.v[data-field],.box[data-field],li.check').forEach(function(e){
    e.addEventListener('mouseenter',function(){mark(fieldsOf(e),true);});
    e.addEventListener('mouseleave',function(){mark(fieldsOf(e),false);if(pinned){mark(pinned,true);}});
    e.addEventListener('click',function(){pin(e);});
  });
  document.querySelectorAll('.box').forEach(function(b){
    b.addEventListener('mousemove',function(ev){
      tip.textContent=b.dataset.tip;tip.style.display='block';
      tip.style.left=(ev.clientX+14)+'px';tip.style.top=(ev.clientY+14)+'px';});
    b.addEventListener('mouseleave',function(){tip.style.display='none';});
  });
  var doubts=JSON.parse(document.getElementById('doubts').textContent), cur=-1, panel=document.getElementById('doubt');
  function esc(t){var d=document.createElement('div');d.textContent=t;return d.innerHTML;}
  function crop(d){
    var img=document.querySelector('#page-'+d.page+' img'), c=panel.querySelector('canvas');
    if(!img){c.width=c.height=0;return;}
    var draw=function(){
      var sw=Math.max(1,d.px[2]-d.px[0]), sh=Math.max(1,d.px[3]-d.px[1]), pad=Math.round(sh*0.4);
      var k=Math.min(6,340/(sw+2*pad)); c.width=Math.round((sw+2*pad)*k); c.height=Math.round((sh+2*pad)*k);
      var ctx=c.getContext('2d'); ctx.imageSmoothingEnabled=false;
      ctx.drawImage(img,d.px[0]-pad,d.px[1]-pad,sw+2*pad,sh+2*pad,0,0,c.width,c.height);
      ctx.strokeStyle='#2563eb';ctx.lineWidth=2;ctx.strokeRect(pad*k,pad*k,sw*k,sh*k);};
    if(img.complete){draw();}else{img.addEventListener('load',draw);}
  }
  function go(i){
    if(!doubts.length){return;}
    cur=(i+doubts.length)%doubts.length; var d=doubts[cur];
    document.querySelectorAll('.cur').forEach(function(e){e.classList.remove('cur');});
    els([d.field]).forEach(function(e){e.classList.add('cur');});
    var box=document.querySelector('.box[data-field="'+d.field+'"]');
    if(box){box.scrollIntoView({block:'center'});}
    panel.style.display='block';
    panel.querySelector('.pos').textContent=(cur+1)+' of '+doubts.length+' doubtful cells (arrow keys move)';
    panel.querySelector('.f').textContent=d.field;
    panel.querySelector('.lab').textContent=d.label;
    panel.querySelector('.read').innerHTML='read <b>'+esc(d.raw===null?'(nothing)':JSON.stringify(d.raw))+
      '</b> as <b>'+esc(d.value===null?'blank':String(d.value))+'</b>, confidence '+d.confidence.toFixed(2);
    panel.querySelector('.alts').textContent=d.alternatives.length?'alternatives: '+d.alternatives.join(', '):'no alternatives';
    panel.querySelector('.why').innerHTML=d.why.map(esc).join('<br>');
    crop(d);
    document.body.dataset.current=d.field;
  }
  document.addEventListener('keydown',function(ev){
    if(ev.key==='ArrowRight'||ev.key==='ArrowDown'){go(cur+1);ev.preventDefault();}
    else if(ev.key==='ArrowLeft'||ev.key==='ArrowUp'){go(cur-1);ev.preventDefault();}
  });
  document.body.dataset.doubts=String(doubts.length);
  var linked=0;
  document.querySelectorAll('td.v[data-field]').forEach(function(td){
    if(document.querySelector('.box[data-field="'+td.dataset.field+'"]')){linked++;}
  });
  document.body.dataset.ready='1';
  document.body.dataset.linked=String(linked);
})();
"""


def png_data_uri(png: bytes) -> str:
    """PNG bytes as a data URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def tip_text(m: Mark) -> str:
    """A cell's provenance, one fact per line, for the hover tip."""
    c = m.cell
    lines = [m.field or "(not a value)"] if m.field else ["(label / other cell)"]
    if m.field:
        lines.append(f"value: {value_text(m.value)}   raw: {m.raw!r}")
    lines.append(f"text read: {c.text!r}")
    lines.append(f"table {m.key[0] + 1}, row {c.row}, col {c.col}, span {c.rowspan}×{c.colspan}, page {m.page}")
    lines.append(f"confidence: {m.confidence:.2f}" + ("  (corrected by a check)" if m.corrected else ""))
    if c.alternatives:
        lines.append("alternatives: " + ", ".join(f"{t!r} {p:.2f}" for t, p in c.alternatives[:4]))
    for rule in m.failing:
        lines.append(f"FAILING: {rule}")
    return "\n".join(lines)


def boxes_html(p: OverlayPage) -> str:
    """Absolutely positioned boxes over one page image, one per drawn cell (percent of the image, whose row 0 is page row ``top``)."""
    w, h, top = p.width, p.height, p.top
    out: list[str] = []
    for m in p.scene.marks:
        if m.bbox is None:
            continue
        x0, y0, x1, y1 = to_px(m.bbox, p.page)
        y0, y1 = y0 - top, y1 - top
        style = f"left:{100 * x0 / w:.3f}%;top:{100 * y0 / h:.3f}%;width:{100 * (x1 - x0) / w:.3f}%;height:{100 * (y1 - y0) / h:.3f}%"
        field = f' data-field="{escape(m.field)}"' if m.field else ""
        out.append(f'<div class="box s-{m.state}"{field} data-tip="{escape(tip_text(m))}" style="{style}"></div>')
    return "".join(out)


def doubtful(report: dict[str, Any] | None, ov: Overlays) -> list[dict[str, Any]]:
    """The value cells placed on a page that the toolkit doubts (low confidence, or named by a failing check)
    and a person has not decided on, in page order, each with its reading, alternatives and why."""
    if report is None:
        return []
    messages = {c["rule"]: c.get("message", "") for c in report.get("checks") or [] if not c.get("ok", True)}
    manual = {c.get("field") for c in report.get("cells") or [] if c.get("source") == "manual"}
    out: list[dict[str, Any]] = []
    for p in ov.pages:
        for m in p.scene.marks:
            if not m.field or m.bbox is None or m.field in manual:
                continue
            why = [f"low confidence {m.confidence:.2f} (< {LOW_CONFIDENCE})"] if m.confidence < LOW_CONFIDENCE else []
            why += [f"named by the failing check {r}: {messages.get(r, '')}" for r in m.failing]
            if not why:
                continue
            x0, y0, x1, y1 = to_px(m.bbox, p.page)
            out.append(
                {
                    "field": m.field,
                    "label": field_label(report.get("template"), m.field),
                    "raw": m.raw,
                    "value": m.value,
                    "confidence": round(float(m.confidence), 4),
                    "alternatives": [f"{t!r} {c:.2f}" for t, c in m.cell.alternatives[:4]],
                    "why": why,
                    "page": p.number,
                    "px": [round(x0), round(y0 - p.top), round(x1), round(y1 - p.top)],
                }
            )
    return sorted(out, key=lambda d: (d["page"], d["px"][1], d["px"][0]))


DOUBT_PANEL = (
    '<div id="doubt"><div class="pos"></div><div><span class="f"></span> <span class="lab"></span></div>'
    '<canvas width="0" height="0"></canvas><div class="read"></div><div class="alts"></div><div class="why"></div></div>'
)


def pages_html(ov: Overlays) -> str:
    """Every overlay page as an inline image with its cell boxes."""
    out: list[str] = []
    for p in ov.pages:
        out.append(
            f'<div class="page" id="page-{p.number}"><h2>page {p.number}: {p.stats.cells} cells, '
            f"{p.stats.labels} values</h2>"
            f'<div class="frame"><img alt="page {p.number}" src="{png_data_uri(p.png())}">{boxes_html(p)}</div></div>'
        )
    if not ov.pages:
        out.append('<div class="page"><h2>no table cells could be placed on a page</h2></div>')
    return "".join(out)


def state_by_field(ov: Overlays) -> dict[str, Mark]:
    """The mark of each field that was placed on the grid."""
    return {m.field: m for m in ov.marked.marks if m.field}


def value_td(field: str, value: Any, marks: dict[str, Mark]) -> str:
    """One value of a canonical table, linked to its cell when it was placed."""
    m = marks.get(field)
    cls = f"s-{m.state}" if m else "s-none"
    tip = f"{field}" + ("" if m else " (not placed on a page)")
    return f'<td class="v {cls}" data-field="{escape(field)}" title="{escape(tip)}">{escape(value_text(value))}</td>'


def canonical_table(name: str, table: dict[str, Any], marks: dict[str, Mark], template: str | None = None) -> str:
    """A canonical table (rows of named fields) as an HTML table, the template's printed labels beside the ids."""
    lab = labels(template or "2021")

    def named(key: str, id_: str) -> str:
        """An id with the template's label under it."""
        text = lab.get(key)
        return f'{escape(id_)}<br><span class="lab">{escape(text)}</span>' if text else escape(id_)

    cols: list[str] = []
    for vals in table.values():
        for k in vals if isinstance(vals, dict) else []:
            if k not in cols:
                cols.append(k)
    head = "".join(f"<th>{named(f'{name}.*.{c}', c)}</th>" for c in cols)
    rows = []
    for row, vals in table.items():
        if not isinstance(vals, dict):
            rows.append(
                f'<tr><th class="rowh">{named(f"{name}.{row}", row)}</th>{value_td(f"{name}.{row}", vals, marks)}</tr>'
            )
            continue
        tds = "".join(value_td(f"{name}.{row}.{c}", vals[c], marks) if c in vals else "<td></td>" for c in cols)
        rows.append(f'<tr><th class="rowh">{named(f"{name}.{row}", row)}</th>{tds}</tr>')
    title = TABLE_TITLES.get(name, name)
    return f"<section><h3>{escape(title)}</h3><table><tr><th></th>{head}</tr>{''.join(rows)}</table></section>"


def tables_html(report: dict[str, Any] | None, ov: Overlays) -> str:
    """The three canonical tables (and collapsed groups, extra columns) with linked values."""
    if report is None:
        return "<section><h3>no canonical tables</h3><p>the conversion failed; the pages show the grids as read.</p></section>"
    marks = state_by_field(ov)
    tables = report.get("tables") or {}
    out = []
    for name in (*TABLE_ORDER, "applications_group_totals", "applications_extra_columns"):
        if isinstance(tables.get(name), dict) and tables[name]:
            out.append(canonical_table(name, tables[name], marks, report.get("template")))
    return "".join(out)


def checks_html(report: dict[str, Any] | None) -> str:
    """The failing checks, each clickable to outline the cells it covers."""
    if report is None:
        return ""
    checks = report.get("checks") or []
    bad = [c for c in checks if not c.get("ok", True)]
    items = "".join(
        f'<li class="check" data-fields="{escape(" ".join(c.get("fields") or []))}">'
        f"<b>{escape(str(c.get('rule')))}</b>: {escape(str(c.get('message', '')))}</li>"
        for c in bad
    )
    return (
        f"<section><h3>checks: {len(checks) - len(bad)} ok, {len(bad)} failing</h3>"
        f"<ul>{items or '<li>none failing</li>'}</ul></section>"
    )


def warnings_html(report: dict[str, Any] | None, ov: Overlays) -> str:
    """The report's warnings and the overlay's own."""
    ws = list((report or {}).get("warnings") or []) + ov.warnings
    if not ws:
        return ""
    return "<section><h3>warnings</h3><ul>" + "".join(f"<li>{escape(str(w))}</li>" for w in ws) + "</ul></section>"


def legend_html() -> str:
    """The colour legend of the boxes and table values."""
    spans = "".join(
        f'<span><i style="background:rgb{blend(COLORS[s])};border-color:rgb{COLORS[s]}"></i>{escape(STATE_NAMES[s])}</span>'
        for s in STATES
    )
    return f'<section class="legend">{spans}<span><i style="border-color:#ccc"></i>value not placed on a page</span></section>'


def state_css() -> str:
    """Background colours of table values by state; the boxes over the page only outlined in that colour (the
    page image under them, already tinted, shows the printed value through)."""
    tds = "".join(f"td.s-{s}{{background:rgb{blend(COLORS[s])}}}" for s in STATES if s != "label")
    return tds + "".join(f".box.s-{s}{{border-color:rgba{(*COLORS[s], 0.9)}}}" for s in STATES if s != "label")


def header_html(path: str, doc: Document, report: dict[str, Any] | None, error: str | None) -> str:
    """File, format, template, agency and year; the failure when there is one."""
    r = (report or {}).get("report") or {}
    meta = [
        f"format {doc.format}",
        f"{len(doc.pages)} pages" if doc.pages else "",
        "OCR" + (f" ({doc.ocr_engine})" if doc.ocr_engine else "") if doc.ocr else "",
        f"template {report.get('template')}" if report and report.get("template") else "",
        f"{r.get('agency') or ''} {r.get('year') or ''}".strip(),
    ]
    err = f'<div class="err">conversion failed: {escape(error)}</div>' if error else ""
    name = escape(path.replace("\\", "/").rsplit("/", 1)[-1])
    return f'<header><h1>{name}</h1><div class="meta">{escape(" · ".join(m for m in meta if m))}</div>{err}</header>'


def render_html(path: str, doc: Document, report: dict[str, Any] | None, ov: Overlays, error: str | None = None) -> str:
    """The whole review page as one string."""
    title = escape(path.replace("\\", "/").rsplit("/", 1)[-1])
    side = legend_html() + checks_html(report) + tables_html(report, ov) + warnings_html(report, ov)
    data = json.dumps({"pages": [p.stats.as_dict() for p in ov.pages]})
    doubts = json.dumps(doubtful(report, ov), ensure_ascii=False).replace("</", "<\\/")
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{title} — overlay</title><style>{CSS}{state_css()}</style></head><body>"
        f"{header_html(path, doc, report, error)}"
        f'<main><div class="pages">{pages_html(ov)}</div><div class="side">{side}</div></main>'
        f'<div id="tip"></div>{DOUBT_PANEL}<script type="application/json" id="stats">{data}</script>'
        f'<script type="application/json" id="doubts">{doubts}</script>'
        f"<script>{JS}</script></body></html>"
    )


def write_html(
    path_out: str, path: str, doc: Document, report: dict[str, Any] | None, ov: Overlays, error: str | None = None
) -> None:
    """Write the review page of one document."""
    with open(path_out, "w", encoding="utf-8") as f:
        f.write(render_html(path, doc, report, ov, error))
