"""The HTML review page in real headless Chromium: the print shows through the boxes, a doubtful cell shows its
crop, reading and why, and the arrow keys step between doubtful cells.

The document is the committed DOCX with an injected row-total error, printed to PDF by LibreOffice: its
cells under the failing checks are the doubtful ones.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser import HAVE_BROWSER, chrome
from conftest import ROOT
from PIL import Image

from overlay import write_overlays
from overlay.render import soffice_to_pdf

ERR_DOCX = ROOT / "samples" / "docx" / "docx2021_row_total_error.docx"
PRINTED = "applications.new_received.natural_person"  # printed 19, read with confidence 1.0
DARK = 90  # grey level below which a pixel is ink (the printed digits are black)

pytestmark = pytest.mark.skipif(not HAVE_BROWSER, reason="chromium or chromedriver not installed")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The review page of the PDF, and the report behind it."""
    from pipeline import convert_document

    out = tmp_path_factory.mktemp("review_page")
    pdf = Path(soffice_to_pdf(str(ERR_DOCX), str(out)))
    doc, report = convert_document(str(pdf))
    html = next(p for p in write_overlays(str(pdf), doc, report, html_dir=str(out)) if p.endswith(".html"))
    return {"url": Path(html).resolve().as_uri(), "report": report}


def ink_below_label(driver: Any, field: str) -> float:
    """The share of ink pixels in the lower half of a value box on a screenshot (the label sits at the top)."""
    box = driver.find_element("css selector", f'.box[data-field="{field}"]')
    driver.execute_script("arguments[0].scrollIntoView({block:'center'})", box)
    r = driver.execute_script("var r=arguments[0].getBoundingClientRect();return [r.left,r.top,r.right,r.bottom];", box)
    shot = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("L")
    x0, y0, x1, y1 = (round(v) for v in r)
    inner = np.asarray(shot.crop((x0 + 4, (y0 + y1) // 2, x1 - 4, y1 - 3)))
    assert inner.size > 50, f"box too small on screen: {r}"
    return float((inner < DARK).mean())


def test_printed_digit_under_a_value_box_is_visible(page: dict[str, Any]) -> None:
    with chrome() as d:
        d.get(page["url"])
        assert d.execute_script("return document.body.dataset.ready") == "1"
        assert ink_below_label(d, PRINTED) > 0.03  # the printed 19 shows through the box
        # the same box painted opaque, as the page did before: no ink left, so the measure tells
        d.execute_script(
            "document.querySelectorAll('.box').forEach(function(b){b.style.background='rgb(191,230,205)'})"
        )
        assert ink_below_label(d, PRINTED) < 0.005


def test_arrow_keys_step_through_doubtful_cells_showing_crop_reading_and_why(page: dict[str, Any]) -> None:
    from selenium.webdriver.common.keys import Keys

    report = page["report"]
    failing = {c["rule"]: c["fields"] for c in report["checks"] if not c["ok"]}
    named = {f for fields in failing.values() for f in fields}
    with chrome() as d:
        d.get(page["url"])
        n = int(d.execute_script("return document.body.dataset.doubts"))
        assert n >= 7  # the row of the broken total at least
        body = d.find_element("tag name", "body")
        seen: list[str] = []
        for _ in range(3):
            body.send_keys(Keys.ARROW_RIGHT)
            seen.append(d.execute_script("return document.body.dataset.current"))
        assert len(set(seen)) == 3 and set(seen) <= named
        panel = d.find_element("id", "doubt")
        assert panel.is_displayed()
        cell = next(c for c in report["cells"] if c["field"] == seen[-1])
        assert f'"{cell["raw"]}"' in panel.text and "named by the failing check" in panel.text
        assert any(rule in panel.text for rule, fields in failing.items() if seen[-1] in fields)
        ink = d.execute_script(
            "var c=document.querySelector('#doubt canvas');var p=c.getContext('2d').getImageData(0,0,c.width,c.height).data;"
            "var n=0;for(var i=0;i<p.length;i+=4){if(p[i]+p[i+1]+p[i+2]<270){n++;}}return [c.width,c.height,n];"
        )
        assert ink[0] >= 150 and ink[1] >= 40 and ink[2] > 100, ink  # the crop, enlarged, with the digit's ink
        assert d.find_element("css selector", f'.box.cur[data-field="{seen[-1]}"]')
        body.send_keys(Keys.ARROW_LEFT)
        assert d.execute_script("return document.body.dataset.current") == seen[1]
        labels = d.find_elements("css selector", "th.rowh .lab")
        assert "一、本年新收政府信息公开申请数量" in [e.text for e in labels]
