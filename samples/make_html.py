"""Make realistic government web pages of annual reports with known values, plus their expected JSON.

The reports come from the DOCX generator (``samples/generate.py``); one LibreOffice call turns all
of them into HTML; each page is then dressed as a government site would publish it: a head full of
meta tags, styles and scripts, a header with navigation and breadcrumbs, the article title and a
``发布日期`` line, sometimes an 索引号 information table, the report in an editor ``div``, related
links and a footer. Knobs, drawn per page: whole page or bare fragment; encoding (UTF-8 or GBK, with
or without a ``<meta charset>``, or a declaration that lies); header words broken by ``<br>`` or
``<p>``; inline styles on every cell.

The expected JSON is the generator's, with ``source`` set to the page and ``report.published`` taken
from the page's date when the report prints none (the normaliser falls back to it).

CLI::

    python -m samples.make_html --out DIR --count N --seed S [--template 2021|2019|mixed] [--errors K]
    python -m samples.make_html --out samples/html --examples   # the committed examples
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html

from samples import fonts
from samples import generate as gen

# How the bytes of a page are encoded and what its <meta> declares (None: no declaration).
ENCODINGS: dict[str, tuple[str, str | None]] = {
    "utf8_meta": ("utf-8", "utf-8"),
    "utf8_nometa": ("utf-8", None),
    "gbk_meta": ("gbk", "gb2312"),
    "gbk_nometa": ("gbk", None),
    "utf8_lying": ("utf-8", "gb2312"),
}
WRAPS = ("page", "fragment")
BROKEN_HEADERS = ("none", "br", "p")
DATE_LABELS = ("发布日期", "发布时间", "日期")
SOFFICE_TIMEOUT_S = 300.0
# All-CJK labels of this many characters are broken into two-character words.
MIN_BREAK_CHARS = 4
MAX_BREAK_CHARS = 8

SITES = ["城关", "河东", "新华", "青山", "白云", "长安", "永宁", "东湖"]
NAV = [
    "首页",
    "政务公开",
    "政府信息公开指南",
    "政府信息公开制度",
    "法定主动公开内容",
    "政府信息公开年报",
    "政务服务",
    "互动交流",
]
NAV += ["走进本地", "政策文件", "政策解读", "新闻发布会", "回应关切", "财政预决算", "重大建设项目", "公共资源配置"]
HOT = ["关于做好春季农业生产工作的通知", "2024年度部门决算公开", "关于公开征求意见的公告", "优化营商环境若干措施解读"]


@dataclass
class PageStyle:
    """How one page is dressed and encoded."""

    wrap: str = "page"
    encoding: str = "utf8_meta"
    broken_headers: str = "none"
    inline_styles: bool = True
    info_table: bool = False
    date_label: str = "发布日期"

    def validated(self) -> PageStyle:
        """Return self, or raise ValueError naming the first knob out of range."""
        for name, allowed in (
            ("wrap", WRAPS),
            ("encoding", tuple(ENCODINGS)),
            ("broken_headers", BROKEN_HEADERS),
            ("date_label", DATE_LABELS),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {getattr(self, name)!r}")
        return self


def random_style(rng: random.Random) -> PageStyle:
    """A random page style (fragments are a quarter of the pages)."""
    return PageStyle(
        wrap="fragment" if rng.random() < 0.25 else "page",
        encoding=rng.choice(list(ENCODINGS)),
        broken_headers=rng.choice(BROKEN_HEADERS),
        inline_styles=rng.random() < 0.7,
        info_table=rng.random() < 0.4,
        date_label=rng.choice(DATE_LABELS),
    )


# ---------------------------------------------------------------- LibreOffice


def soffice_convert(paths: list[Path], out_dir: Path, target: str, timeout_s: float = SOFFICE_TIMEOUT_S) -> list[Path]:
    """Convert many files with one LibreOffice call (private profile, pinned fonts); return the outputs in input order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "." + target.split(":")[0]
    with tempfile.TemporaryDirectory(prefix="govreport-soffice-") as profile:
        cmd = ["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore"]
        cmd += ["--convert-to", target, "--outdir", str(out_dir), *map(str, paths)]
        subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False, env=fonts.fontconfig_env())
    outs = [out_dir / (p.stem + suffix) for p in paths]
    missing = [o.name for o in outs if not o.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing}")
    return outs


# ---------------------------------------------------------------- page body


def lo_body(html_bytes: bytes) -> lxml.html.HtmlElement:
    """The <body> of a LibreOffice HTML export."""
    parser = lxml.html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True)
    root = lxml.html.document_fromstring(html_bytes, parser=parser)
    body = root.find("body")
    if body is None:
        raise ValueError("LibreOffice HTML without a body")
    return body


def report_title(body: lxml.html.HtmlElement) -> str:
    """The report's title: the paragraphs before 一、总体情况, joined."""
    parts: list[str] = []
    for p in body.iter("p"):
        text = " ".join(p.text_content().split())
        if text.startswith("一、"):
            break
        if text:
            parts.append(text.replace(" ", ""))
    return "".join(parts)


_ENUM = re.compile(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+[.．、])(.+)$")
_ALL_CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def header_pieces(text: str) -> list[str]:
    """Where an editor breaks a label over lines: after its enumerator, or between two-character words."""
    t = "".join(text.split())
    m = _ENUM.match(t)
    if m:
        return [m.group(1), m.group(2)]
    if _ALL_CJK.match(t) and MIN_BREAK_CHARS <= len(t) <= MAX_BREAK_CHARS:
        return [t[i : i + 2] for i in range(0, len(t), 2)]
    return [t]


def break_header_words(body: lxml.html.HtmlElement, style: str, rng: random.Random) -> int:
    """Break about half the label cells' words over lines with <br> or <p>; return how many were broken."""
    if style == "none":
        return 0
    broken = 0
    for td in body.iter("td", "th"):
        pieces = header_pieces(td.text_content())
        if len(pieces) < 2 or rng.random() < 0.5:
            continue
        for child in list(td):
            td.remove(child)
        td.text = None
        if style == "br":
            p = lxml.etree.SubElement(td, "p")
            p.text = pieces[0]
            for piece in pieces[1:]:
                br = lxml.etree.SubElement(p, "br")
                br.tail = piece
        else:
            for piece in pieces:
                lxml.etree.SubElement(td, "p").text = piece
        broken += 1
    return broken


def style_cells(body: lxml.html.HtmlElement) -> None:
    """Inline styles on every cell and paragraph inside tables, as site editors leave them."""
    for td in body.iter("td", "th"):
        td.set("style", "padding: 5px; border: 1px solid windowtext; word-break: break-all;")
        td.set("valign", "center")
        for p in td.iter("p"):
            p.set("style", "text-indent: 0em; line-height: 1.5;")


def body_inner(body: lxml.html.HtmlElement) -> str:
    """The body's children as HTML text."""
    return "\n".join(lxml.html.tostring(child, encoding="unicode") for child in body)


# ---------------------------------------------------------------- chrome


def _script(rng: random.Random) -> str:
    """A long inline script of the kind site templates carry (with markup strings inside)."""
    items = ",".join(
        f'{{"id":{rng.randint(1000, 99999)},"title":"{rng.choice(HOT)}","url":"/art/{i}.html"}}' for i in range(60)
    )
    return (
        '<script type="text/javascript">\nvar _hot=[' + items + "];\n"
        "function render(){var h='<table class=\"x\"><tr><td>一、'+_hot[0].title+'</td></tr></table>';"
        "document.getElementById('hot').innerHTML=h;}\n"
        "window.onload=function(){render();};\n</script>"
    )


def _style_block() -> str:
    """A site style sheet in the head."""
    rules = [
        f".c{i} {{ margin: {i % 7}px; padding: {i % 5}px; color: #{(i * 997) % 0xFFFFFF:06x}; }}" for i in range(200)
    ]
    return '<style type="text/css">\n' + "\n".join(rules) + "\n</style>"


def _nav(rng: random.Random) -> str:
    """The site's navigation bar."""
    links = "".join(f'<li><a href="/col/{i}/" title="{n}">{n}</a></li>' for i, n in enumerate(NAV))
    return f'<nav class="main-nav"><ul>{links}</ul></nav>'


def _info_table(site: str, date: str, rng: random.Random) -> str:
    """The 索引号 table that information-disclosure pages print above the article."""
    idx = f"{rng.randint(10**9, 10**10 - 1)}/{date[:4]}-{rng.randint(100, 999)}"
    return (
        '<table class="xxgk-info" width="100%"><tr><td>索引号：</td><td>'
        + idx
        + "</td><td>主题分类：</td><td>政务公开</td></tr><tr><td>发布机构：</td><td>"
        + site
        + "办公室</td><td>成文日期：</td><td>"
        + date
        + "</td></tr><tr><td>文号：</td><td></td><td>有效性：</td><td>有效</td></tr></table>"
    )


def dress_page(inner: str, title: str, page_date: str, style: PageStyle, rng: random.Random) -> str:
    """The report body inside a whole government page (or returned bare for a fragment)."""
    _, declared = ENCODINGS[style.encoding]
    meta = f'<meta charset="{declared}">' if declared else ""
    if declared and rng.random() < 0.5:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">'
    if style.wrap == "fragment":
        return meta + "\n" + inner
    site = rng.choice(SITES) + "区人民政府"
    crumbs = " &gt; ".join(
        f'<a href="/col/{i}/">{n}</a>' for i, n in enumerate(["首页", "政务公开", "政府信息公开年报"])
    )
    time_text = f"{page_date} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    info = _info_table(site, page_date, rng) if style.info_table else ""
    hot = "".join(f'<li><a href="/art/{i}.html">{h}</a><span>{page_date}</span></li>' for i, h in enumerate(HOT))
    footer = (
        f"<footer><p>主办单位：{site}办公室 承办单位：{site}信息中心</p>"
        f"<p>网站标识码：{rng.randint(10**9, 10**10 - 1)} ICP备{rng.randint(10**7, 10**8 - 1)}号</p>"
        "<p>地址：人民路1号 电话：0000-12345678</p></footer>"
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{meta}
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="SiteName" content="{site}">
<meta name="ColumnName" content="政府信息公开年报">
<title>{title}_政府信息公开年报_{site}</title>
<link rel="stylesheet" href="/css/common.css">
{_style_block()}
{_script(rng)}
</head>
<body>
<div class="top-bar"><span>欢迎访问{site}门户网站</span><a href="/wza/">无障碍</a><a href="/en/">English</a></div>
<header class="site-header"><div class="logo"><img src="/images/logo.png" alt="{site}"></div>
<form class="search"><input name="q" type="text"><button>搜索</button></form></header>
{_nav(rng)}
<div class="container">
  <div class="crumbs">当前位置：{crumbs}</div>
  <div class="main clearfix">
    <div class="left-col">
      {info}
      <div class="article">
        <h1 class="article-title">{title}</h1>
        <div class="article-info"><span>{style.date_label}：{time_text}</span><span>来源：{site}办公室</span>
        <span>浏览次数：<em id="hits">{rng.randint(10, 9999)}</em></span><span>字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></span></div>
        <div class="TRS_Editor" id="zoom">
{inner}
        </div>
        <div class="article-tools"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
      </div>
    </div>
    <aside class="right-col"><h3>热点推荐</h3><ul id="hot">{hot}</ul></aside>
  </div>
</div>
{footer}
<script src="/js/jquery.min.js"></script>
<script>var _hmt=_hmt||[];(function(){{var hm=document.createElement("script");hm.src="//stat.example/hm.js";}})();</script>
</body>
</html>
"""


def encode_page(text: str, style: PageStyle) -> bytes:
    """The page's bytes in its encoding (characters outside GBK as numeric references)."""
    enc, _ = ENCODINGS[style.encoding]
    return text.encode(enc, errors="xmlcharrefreplace")


def page_date_for(published: str | None, rng: random.Random, year: int) -> str:
    """The date the site shows: a few days after the printed date, or a January date of the next year."""
    if published:
        return (dt.date.fromisoformat(published) + dt.timedelta(days=rng.randint(0, 12))).isoformat()
    return dt.date(year + 1, rng.randint(1, 2), rng.randint(1, 28)).isoformat()


# ---------------------------------------------------------------- putting it together


def expected_for_page(expected: dict[str, Any], source: str, page_date: str, style: PageStyle) -> dict[str, Any]:
    """The DOCX's expected JSON, for the page: its name, and the page date where no date is printed."""
    out = json.loads(json.dumps(expected))
    out["source"] = source
    knobs = {k: v for k, v in asdict(style).items()}
    out["note"] = f"generated web page {knobs}; from {expected['note']}"
    if out["report"].get("published") is None and style.wrap == "page":
        out["report"]["published"] = page_date
        out["note"] += "; the report prints no date: published is the page's date"
    return out


def make_pages(
    out_dir: str | Path,
    count: int,
    seed: int = 0,
    template: str = "mixed",
    errors: int = 0,
    styles: list[PageStyle] | None = None,
) -> list[tuple[Path, Path]]:
    """``count`` web pages (and expected JSON) in out_dir; styles fixed by ``styles`` or drawn at random."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="govreport-html-") as tmp:
        made = gen.generate(tmp, count, seed=seed, template=template, errors=errors)
        htmls = soffice_convert([d for d, _ in made], Path(tmp) / "html", "html")
        pages: list[tuple[Path, Path]] = []
        for i, ((docx_path, exp_path), lo_html) in enumerate(zip(made, htmls, strict=True)):
            style = (styles[i % len(styles)] if styles else random_style(rng)).validated()
            expected = json.loads(exp_path.read_text(encoding="utf-8"))
            body = lo_body(lo_html.read_bytes())
            title = report_title(body)
            break_header_words(body, style.broken_headers, rng)
            if style.inline_styles:
                style_cells(body)
            page_date = page_date_for(expected["report"].get("published"), rng, expected["report"]["year"])
            text = dress_page(body_inner(body), title, page_date, style, rng)
            name = f"{docx_path.stem}_{style.encoding}_{style.wrap}"
            page = out / f"{name}.html"
            page.write_bytes(encode_page(text, style))
            exp = expected_for_page(expected, page.name, page_date, style)
            exp_out = out / f"{name}.expected.json"
            exp_out.write_text(json.dumps(exp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            pages.append((page, exp_out))
    return pages


# The committed examples in samples/html/ (template "mixed": pages 2 and 5 are 2019 reports).
EXAMPLE_STYLES = [
    PageStyle(wrap="page", encoding="gbk_meta", broken_headers="p", info_table=True, date_label="发布日期"),
    PageStyle(wrap="page", encoding="utf8_meta", broken_headers="br", date_label="发布时间"),
    PageStyle(wrap="page", encoding="gbk_nometa", broken_headers="none", inline_styles=False, date_label="日期"),
    PageStyle(wrap="fragment", encoding="utf8_lying", broken_headers="br"),
    PageStyle(wrap="fragment", encoding="gbk_nometa", broken_headers="p"),
    PageStyle(wrap="page", encoding="utf8_nometa", broken_headers="br", info_table=True, date_label="发布日期"),
]
EXAMPLE_SEED = 2024


def write_examples(out_dir: str | Path) -> list[tuple[Path, Path]]:
    """The fixed set of committed example pages (the first with one injected arithmetic error)."""
    return make_pages(out_dir, len(EXAMPLE_STYLES), EXAMPLE_SEED, "mixed", errors=1, styles=EXAMPLE_STYLES)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = gen.generation_parser(__doc__, count=6, template="mixed")
    ap.add_argument("--examples", action="store_true", help="write the fixed committed examples instead")
    args = gen.parse_generation_args(ap, argv)
    if args.examples:
        for page, _ in write_examples(args.out):
            print(page)
        return 0
    for page, _ in make_pages(args.out, args.count, args.seed, args.template, args.errors):
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
