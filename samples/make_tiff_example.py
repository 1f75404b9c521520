"""Make the committed multi-page TIFF sample: a PDF rendered at 200 dpi, bilevel, CCITT Group 4.

    .venv/bin/python -m samples.make_tiff_example ../shared/real/hongze_2024.pdf samples/scan/hongze_2024_200dpi_g4.tif

The expected JSON beside it is the source report's truth (the scan must read to the same values).
"""

from __future__ import annotations

import sys

import pypdfium2
from PIL import Image

DPI = 200
THRESHOLD = 160  # gray level below which a pixel is ink


def render_pages(pdf_path: str, dpi: int = DPI) -> list[Image.Image]:
    """Every page of the PDF as a bilevel image at the given resolution."""
    doc = pypdfium2.PdfDocument(pdf_path)
    try:
        pages = []
        for page in doc:
            gray = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            pages.append(gray.point(lambda v: 255 if v > THRESHOLD else 0).convert("1"))
        return pages
    finally:
        doc.close()


def main(pdf_path: str, out_path: str) -> None:
    pages = render_pages(pdf_path)
    pages[0].save(out_path, save_all=True, append_images=pages[1:], compression="group4", dpi=(DPI, DPI))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
