"""Settings every adapter honours, validated against named defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

OCR_MODES = ("auto", "always", "never")
OCR_ENGINES = ("rapidocr", "tesseract")
PDF_ENGINES = ("pdfium", "pdfplumber", "camelot")

DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_PAGES = 500
DEFAULT_MAX_PIXELS = 120_000_000  # per page image
DEFAULT_MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # all parts of a DOCX together
DEFAULT_TIMEOUT_S = 300.0
DEFAULT_DPI = 200
DEFAULT_PAGE_IMAGE_DPI = 150  # the overlay's scale


@dataclass(frozen=True)
class Options:
    """How to read a file. Every field has a named default; :meth:`validated` checks the values."""

    ocr: str = "auto"
    ocr_engine: str = "rapidocr"
    pdf_engine: str = "pdfium"
    dpi: int = DEFAULT_DPI
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_pages: int = DEFAULT_MAX_PAGES
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES
    timeout_s: float = DEFAULT_TIMEOUT_S
    # Keep grayscale renders of table pages on the Document, for overlays (PDF adapter).
    page_images: bool = False
    page_image_dpi: int = DEFAULT_PAGE_IMAGE_DPI

    def validated(self) -> Options:
        """Return self, or raise ValueError naming the first setting out of range."""
        if self.ocr not in OCR_MODES:
            raise ValueError(f"ocr must be one of {OCR_MODES}, not {self.ocr!r}")
        if self.ocr_engine not in OCR_ENGINES:
            raise ValueError(f"ocr_engine must be one of {OCR_ENGINES}, not {self.ocr_engine!r}")
        if self.pdf_engine not in PDF_ENGINES:
            raise ValueError(f"pdf_engine must be one of {PDF_ENGINES}, not {self.pdf_engine!r}")
        require_positive(self)
        return self


def require_positive(settings: Any, every: bool = False) -> None:
    """Raise ValueError naming the first number field of a settings dataclass that is not positive (with
    every, also the first field that is no number)."""
    for f in fields(settings):
        v = getattr(settings, f.name)
        number = isinstance(v, (int, float)) and not isinstance(v, bool)
        if (number and v <= 0) or (every and not number):
            raise ValueError(f"{f.name} must be a positive number, not {v!r}")
