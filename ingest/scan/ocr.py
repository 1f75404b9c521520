"""OCR engines behind one interface: RapidOCR (ONNX, models in the wheel) and tesseract.

An engine reads single text lines (cell crops: many per call) and whole pages. A reading is
``(text, confidence, alternatives)``; for a number the confidence is the weakest character's
probability, so one doubtful digit makes the whole reading doubtful (< 0.9), and the alternatives
hold the other plausible readings (second candidate per digit, digits-only read), best first.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Protocol

import cv2
import numpy as np

from ingest.grid import DOUBT

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

Reading = tuple[str, float, list[tuple[str, float]]]
PageText = list[tuple[tuple[int, int, int, int], str, float]]

NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
DIGIT_CHARS = "0123456789.-"
# Letters a number cell is commonly misread as, and the digit they stand for.
DIGIT_LOOKALIKES = {
    "〇": "0",
    "○": "0",
    "Ｏ": "0",
    "О": "0",
    "о": "0",
    "З": "3",
    "з": "3",
    "б": "6",
    "O": "0",
    "o": "0",
    "D": "0",
    "Q": "0",
    "l": "1",
    "I": "1",
    "|": "1",
    "!": "1",
    "！": "1",
    "i": "1",
    "S": "5",
    "s": "5",
    "B": "8",
    "Z": "2",
    "z": "2",
    "g": "9",
    "q": "9",
    "b": "6",
    "G": "6",
    "T": "7",
    "A": "4",
}
# A character below this probability makes a reading doubtful; alternatives above this are kept.
CONFIDENT = DOUBT
ALT_MIN_PROB = 0.02
# A reading of digits with at most JUNK_MAX other characters attached is a doubtful number.
JUNK_MAX = 1
JUNK_CONFIDENCE = 0.5
MAX_ALTERNATIVES = 3
# The height the recogniser wants. Crops are run one at a time at their own width: on one core the
# model costs the same per input pixel whatever the batch (about 65 us a column at this height), so a
# batch only adds the padding up to its widest crop (10% more pixels on a table page), and a reading
# then depends on which crops share its batch.
REC_HEIGHT = 48
MIN_REC_WIDTH = 32
REC_STEP = 8  # recogniser pixels per output time step
# Wide crops are cut at gaps into pieces about this wide (recogniser pixels): its cost grows
# faster than the width beyond that.
REC_PIECE_WIDTH = 320
# White between the crops of a strip (pixels at the strip's height, about a character).
STRIP_GAP = 8
STRIP_MAX = 8  # crops per strip
TESS_LANG = "chi_sim+eng"
TESS_DIGITS = "--psm 7 -c tessedit_char_whitelist=0123456789.-"


def digit_shaped(text: str) -> bool:
    """Whether a reading is (or nearly is) a printed number: digits, or letters shaped like digits."""
    t = text.strip().replace(" ", "")
    if not t or not all(ch.isdigit() or ch in ".-," or ch in DIGIT_LOOKALIKES for ch in t):
        return False
    return any(ch.isdigit() for ch in t) or len(t) <= 2


def as_bgr(img: np.ndarray) -> np.ndarray:
    """A 3-channel uint8 copy, as the recognisers want."""
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    return img


class OcrEngine(Protocol):
    """What the scan adapter needs from an OCR engine."""

    name: str

    def read_cell(self, img: np.ndarray) -> Reading:
        """One single-line crop: text, confidence, alternatives."""
        ...

    def read_lines(self, imgs: list[np.ndarray], numeric: list[bool]) -> list[Reading]:
        """Many single-line crops at once (batched where the engine allows)."""
        ...

    def read_strips(self, strips: list[list[np.ndarray]]) -> list[list[Reading]]:
        """Groups of short crops read side by side, each crop's reading given back."""
        ...

    def read_digits(self, imgs: list[np.ndarray]) -> list[tuple[str, float]]:
        """Number crops read as digits only: text and confidence."""
        ...

    def read_page(self, img: np.ndarray) -> PageText:
        """A whole page: detected lines with their boxes (pixels), text and confidence."""
        ...


def _substitutions(chars: list[str], probs: list[float], seconds: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Alternative readings: each doubtful character swapped for its runner-up (or dropped)."""
    out: list[tuple[str, float]] = []
    for i, (alt, p) in enumerate(seconds):
        if p < ALT_MIN_PROB or probs[i] >= CONFIDENT:
            continue
        text = "".join(chars[:i]) + alt + "".join(chars[i + 1 :])
        rest = [q for j, q in enumerate(probs) if j != i]
        out.append((text, round(min([p, *rest]) if rest else p, 4)))
    out = [a for a in out if a[0]]
    out.sort(key=lambda a: -a[1])
    return out[:MAX_ALTERNATIVES]


def _with_junk_doubt(text: str, conf: float, digits: tuple[str, float]) -> Reading:
    """A number read with a stray mark attached ("0個"): doubtful, its digits-only reading offered."""
    core = text.strip()
    extra = [ch for ch in core if not (ch.isdigit() or ch in ".-,")]
    if (
        not extra
        or not digits[0]
        or not any(ch.isdigit() for ch in core)
        or len(extra) > JUNK_MAX
        or len(extra) > len(core) - len(extra)
    ):
        return text, conf, []
    low = min(conf, JUNK_CONFIDENCE)
    return text, low, [(digits[0], round(min(digits[1], low), 4))] if digits[0] != text else []


def split_wide(img: np.ndarray) -> list[np.ndarray]:
    """A line crop cut at its emptiest columns into pieces the recogniser reads fast."""
    h, w = img.shape[:2]
    piece = int(REC_PIECE_WIDTH * h / REC_HEIGHT)
    if w <= piece * 1.25:
        return [img]
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    ink = (255 - gray.astype(np.int32)).sum(axis=0)
    cuts = [0]
    while w - cuts[-1] > piece * 1.25:
        lo, hi = cuts[-1] + int(piece * 0.75), cuts[-1] + piece
        cuts.append(lo + int(np.argmin(ink[lo:hi])))
    cuts.append(w)
    return [img[:, a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def _strip(crops: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Crops scaled to one height and set side by side with white gaps; each one's x-range."""
    h = max(c.shape[0] for c in crops)
    parts: list[np.ndarray] = []
    spans = []
    x = STRIP_GAP
    for c in crops:
        g = cv2.cvtColor(c, cv2.COLOR_BGR2GRAY) if c.ndim == 3 else c
        w = max(1, int(round(g.shape[1] * h / max(g.shape[0], 1))))
        parts.append(np.full((h, STRIP_GAP), 255, np.uint8))
        parts.append(cv2.resize(g, (w, h)))
        spans.append((x, x + w))
        x += w + STRIP_GAP
    parts.append(np.full((h, STRIP_GAP), 255, np.uint8))
    return np.hstack(parts), spans


def _join(parts: list[Reading]) -> Reading:
    """Readings of the pieces of one line as one reading."""
    text = "".join(p[0] for p in parts)
    confs = [p[1] for p in parts if p[0]]
    return text, min(confs) if confs else 0.0, []


class RapidOcrEngine:
    """PP-OCRv4 through RapidOCR: recognition-only on cell crops, full pipeline for pages."""

    name = "rapidocr"

    def __init__(self, threads: int = 1) -> None:
        from rapidocr_onnxruntime import RapidOCR

        from ingest.scan.recmodel import lean_model

        lean = lean_model()  # the same recogniser in fewer operations, where it could be made
        extra = {"rec_model_path": str(lean)} if lean is not None else {}
        self.ocr = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, print_verbose=False, **extra)
        self.rec = self.ocr.text_rec
        self.charset: list[str] = list(self.rec.postprocess_op.character)
        self.digit_ids = np.array([i for i, c in enumerate(self.charset) if c in DIGIT_CHARS])
        # Full-width digits are the same digits: their probability is folded into the ASCII ones.
        index = {c: i for i, c in enumerate(self.charset)}
        pairs = [
            (index[chr(ord(c) + 0xFEE0)], index[c]) for c in DIGIT_CHARS if chr(ord(c) + 0xFEE0) in index and c in index
        ]
        self.fold_from = np.array([a for a, _ in pairs], dtype=int)
        self.fold_to = np.array([b for _, b in pairs], dtype=int)
        # In a number, a letter shaped like a digit is that digit (o -> 0, l -> 1 ...).
        look = [(index[a], index[b]) for a, b in DIGIT_LOOKALIKES.items() if a in index and b in index]
        self.look_from = np.array([a for a, _ in look], dtype=int)
        self.look_to = np.array([b for _, b in look], dtype=int)

    def _norm(self, img: np.ndarray, width: int) -> np.ndarray:
        """One crop scaled to the recogniser's height, padded on the right to `width`."""
        h, w = img.shape[:2]
        rw = min(width, max(1, int(np.ceil(REC_HEIGHT * w / max(h, 1)))))
        # A grey crop is scaled and normalised once and copied to the three channels (what its BGR
        # copy would give, channel by channel, at a third of the work).
        x = cv2.resize(img, (rw, REC_HEIGHT)).astype(np.float32)
        x = (x.transpose(2, 0, 1) if x.ndim == 3 else x[None]) / 255.0
        x = (x - 0.5) / 0.5
        out = np.zeros((3, REC_HEIGHT, width), dtype=np.float32)
        out[:, :, :rw] = x
        return out

    def _forward(self, imgs: list[np.ndarray]) -> list[np.ndarray]:
        """Per-crop class probabilities over time, each crop run alone at its own width (no padding)."""
        out: list[np.ndarray] = []
        for im in imgs:
            ratio = im.shape[1] / max(im.shape[0], 1)
            width = max(MIN_REC_WIDTH, int(np.ceil(REC_HEIGHT * ratio / 8.0) * 8) + 8)
            out.append(self.rec.session(self._norm(im, width)[None])[0][0])
        return out

    def _ctc(self, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str], list[float]]:
        """Greedy CTC: the best class per step, repeats and blanks dropped; (classes, kept steps, chars, probs)."""
        idx = pred.argmax(axis=1)
        keep = idx != 0
        keep[1:] &= idx[1:] != idx[:-1]
        pos = np.where(keep)[0]
        return idx, pos, [self.charset[i] for i in idx[pos]], [float(pred[t, idx[t]]) for t in pos]

    def _decode(self, pred: np.ndarray, numeric: bool) -> Reading:
        """CTC decode with per-character probabilities; alternatives for doubtful characters."""
        if len(self.fold_from):
            pred = pred.copy()
            pred[:, self.fold_to] += pred[:, self.fold_from]
            pred[:, self.fold_from] = 0.0
        idx, pos, chars, probs = self._ctc(pred)
        text = "".join(chars)
        if not chars:
            return "", 0.0, []
        if not (numeric or digit_shaped(text)):
            return _with_junk_doubt(text, round(float(np.mean(probs)), 4), self._decode_digits(pred))
        if len(self.look_from):
            # A number: the shapes' probabilities go to the digits they stand for, then decode again.
            pred = pred.copy()
            for a, b in zip(self.look_from.tolist(), self.look_to.tolist(), strict=True):
                pred[:, b] += pred[:, a]
            pred[:, self.look_from] = 0.0
            idx, pos, chars, probs = self._ctc(pred)
            text = "".join(chars)
        seconds = []
        for t in pos:
            row = pred[t].copy()
            row[idx[t]] = -1
            j = int(row.argmax())
            seconds.append(("" if j == 0 else self.charset[j], float(row[j])))
        alts = _substitutions(chars, probs, seconds)
        digits = self._decode_digits(pred)
        conf = round(min(probs), 4)
        if digits[0] and digits[0] != text and all(a[0] != digits[0] for a in alts):
            alts.append((digits[0], min(digits[1], conf)))
        mapped = "".join(DIGIT_LOOKALIKES.get(ch, ch) for ch in text)
        if mapped != text:
            conf = min(conf, 0.5)
            if all(a[0] != mapped for a in alts):
                alts.insert(0, (mapped, conf))
        if not NUMBER_RE.match(text.replace(",", "")):
            conf = min(conf, 0.5)
        alts = [a for a in alts if a[0] != text]
        alts.sort(key=lambda a: -a[1])
        return text, conf, alts[:MAX_ALTERNATIVES]

    def _decode_digits(self, pred: np.ndarray) -> tuple[str, float]:
        """The best reading restricted to digits, '.' and '-' (a whitelist on the same output)."""
        sub = pred[:, [0, *self.digit_ids.tolist()]]
        ids = sub.argmax(axis=1)
        keep = ids != 0
        keep[1:] &= ids[1:] != ids[:-1]
        pos = np.where(keep)[0]
        if len(pos) == 0:
            return "", 0.0
        text = "".join(self.charset[self.digit_ids[ids[t] - 1]] for t in pos)
        return text, float(min(sub[t, ids[t]] for t in pos))

    def read_lines(self, imgs: list[np.ndarray], numeric: list[bool]) -> list[Reading]:
        """Single-line crops read in batches; wide ones in pieces cut at gaps."""
        if not imgs:
            return []
        pieces: list[np.ndarray] = []
        owner: list[int] = []
        for i, im in enumerate(imgs):
            for piece in split_wide(im):
                pieces.append(piece)
                owner.append(i)
        preds = self._forward(pieces)
        parts: list[list[Reading]] = [[] for _ in imgs]
        for i, p in zip(owner, preds, strict=True):
            parts[i].append(self._decode(p, numeric[i]))
        return [r[0] if len(r) == 1 else _join(r) for r in parts]

    def read_cell(self, img: np.ndarray) -> Reading:
        """One single-line crop."""
        return self.read_lines([img], [False])[0]

    def read_digits(self, imgs: list[np.ndarray]) -> list[tuple[str, float]]:
        """Number crops restricted to digits (decoded from the same network output)."""
        return [self._decode_digits(p) for p in self._forward(imgs)] if imgs else []

    def read_strips(self, strips: list[list[np.ndarray]]) -> list[list[Reading]]:
        """Short crops read side by side (a table row's numbers give each other context), split back."""
        images: list[np.ndarray] = []
        spans: list[list[tuple[int, int]]] = []
        for crops in strips:
            img, sp = _strip(crops)
            images.append(img)
            spans.append(sp)
        preds = self._forward(images)
        out: list[list[Reading]] = []
        for img, sp, pred in zip(images, spans, preds, strict=True):
            k = REC_HEIGHT / img.shape[0]  # strip pixels to recogniser pixels
            row = []
            for x0, x1 in sp:
                t0 = max(0, int((x0 - STRIP_GAP / 2) * k / REC_STEP))
                t1 = min(pred.shape[0], int(np.ceil((x1 + STRIP_GAP / 2) * k / REC_STEP)))
                row.append(self._decode(pred[t0:t1], False))
            out.append(row)
        return out

    def read_page(self, img: np.ndarray) -> PageText:
        """Detection + recognition over the whole page."""
        res, _ = self.ocr(as_bgr(img), use_cls=False)
        out: PageText = []
        for box, text, score in res or []:
            xs = [p[0] for p in box]
            ys = [p[1] for p in box]
            out.append(((int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys))), str(text), float(score)))
        return out

    def orientation_votes(self, crops: list[np.ndarray]) -> float:
        """Share of text-line crops the direction classifier calls upside down."""
        if not crops:
            return 0.0
        _, res, _ = self.ocr.text_cls([as_bgr(c) for c in crops])
        flipped = [float(s) for lab, s in res if lab == "180" and s >= 0.8]
        return len(flipped) / len(crops)


class TesseractEngine:
    """Tesseract (chi_sim+eng) through pytesseract; crops are stacked into one image per call."""

    name = "tesseract"

    def __init__(self) -> None:
        import pytesseract

        self.tess = pytesseract
        self.tess.get_tesseract_version()

    def _stack(self, imgs: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Crops scaled to one height and stacked with white gaps; each crop's y-range."""
        h = 40
        gap = 24
        scaled = []
        for im in imgs:
            g = cv2.cvtColor(im, cv2.COLOR_BGR2GRAY) if im.ndim == 3 else im
            w = max(1, int(round(g.shape[1] * h / max(g.shape[0], 1))))
            scaled.append(cv2.resize(g, (w, h)))
        width = max(s.shape[1] for s in scaled) + 2 * gap
        canvas = np.full((gap + len(scaled) * (h + gap), width), 255, np.uint8)
        spans = []
        y = gap
        for s in scaled:
            canvas[y : y + h, gap : gap + s.shape[1]] = s
            spans.append((y, y + h))
            y += h + gap
        return canvas, spans

    def _data(self, img: np.ndarray, config: str, lang: str) -> list[tuple[int, int, str, float]]:
        """Words with their centre y, left x, text and confidence in [0, 1]."""
        d = self.tess.image_to_data(img, lang=lang, config=config, output_type=self.tess.Output.DICT)
        out = []
        for i, word in enumerate(d["text"]):
            if str(word).strip() and float(d["conf"][i]) >= 0:
                out.append(
                    (
                        int(d["top"][i] + d["height"][i] / 2),
                        int(d["left"][i]),
                        str(word).strip(),
                        float(d["conf"][i]) / 100,
                    )
                )
        return out

    def _read_stacked(self, imgs: list[np.ndarray], config: str, lang: str) -> list[tuple[str, float]]:
        """Each crop's words, found by position in one stacked image."""
        canvas, spans = self._stack(imgs)
        words = self._data(canvas, config, lang)
        out = []
        for y0, y1 in spans:
            mine = sorted((w for w in words if y0 - 8 <= w[0] <= y1 + 8), key=lambda w: w[1])
            text = "".join(w[2] for w in mine)
            out.append((text, min((w[3] for w in mine), default=0.0)))
        return out

    def read_lines(self, imgs: list[np.ndarray], numeric: list[bool]) -> list[Reading]:
        """Text crops in one call; number crops read again with a digits whitelist."""
        if not imgs:
            return []
        general = self._read_stacked(imgs, "--psm 6", TESS_LANG)
        num_idx = [i for i, n in enumerate(numeric) if n or digit_shaped(general[i][0])]
        digits = (
            self._read_stacked([imgs[i] for i in num_idx], "--psm 6 -c tessedit_char_whitelist=0123456789.-", "eng")
            if num_idx
            else []
        )
        out: list[Reading] = [(t, round(c, 4), []) for t, c in general]
        for k, i in enumerate(num_idx):
            t, c = general[i]
            dt, dc = digits[k]
            if dt and dt != t:
                # The two readings disagree: the digits-only one leads, both doubtful.
                conf = min(c, dc, 0.6)
                out[i] = (dt, conf, [(t, min(c, conf))])
            else:
                conf = min(c, dc) if dt else min(c, 0.5)
                if not NUMBER_RE.match(t):
                    conf = min(conf, 0.5)
                out[i] = (t, round(conf, 4), [])
        return out

    def read_digits(self, imgs: list[np.ndarray]) -> list[tuple[str, float]]:
        """Number crops read with the digits whitelist only (one stacked call, English data: fast)."""
        return self._read_stacked(imgs, "--psm 6 -c tessedit_char_whitelist=0123456789.-", "eng") if imgs else []

    def read_strips(self, strips: list[list[np.ndarray]]) -> list[list[Reading]]:
        """Short crops: read in one stacked call (the stack is their context)."""
        flat = [c for crops in strips for c in crops]
        res = self.read_lines(flat, [False] * len(flat))
        out = []
        k = 0
        for crops in strips:
            out.append(res[k : k + len(crops)])
            k += len(crops)
        return out

    def read_cell(self, img: np.ndarray) -> Reading:
        """One single-line crop (psm 7), with a digits-only second candidate for numbers."""
        d = self._data(img, "--psm 7", TESS_LANG)
        text = "".join(w[2] for w in sorted(d, key=lambda w: w[1]))
        conf = min((w[3] for w in d), default=0.0)
        alts: list[tuple[str, float]] = []
        if digit_shaped(text):
            dd = self._data(img, TESS_DIGITS, "eng")
            dt = "".join(w[2] for w in sorted(dd, key=lambda w: w[1]))
            if dt and dt != text:
                alts.append((dt, min((w[3] for w in dd), default=0.0)))
                conf = min(conf, 0.6)
        return text, round(conf, 4), alts

    def read_page(self, img: np.ndarray) -> PageText:
        """Whole-page OCR (psm 3), words grouped into lines."""
        d = self.tess.image_to_data(img, lang=TESS_LANG, config="--psm 3", output_type=self.tess.Output.DICT)
        lines: dict[tuple[int, int, int], list[int]] = {}
        for i, word in enumerate(d["text"]):
            if str(word).strip() and float(d["conf"][i]) >= 0:
                lines.setdefault((d["block_num"][i], d["par_num"][i], d["line_num"][i]), []).append(i)
        out: PageText = []
        for ids in lines.values():
            x0 = min(d["left"][i] for i in ids)
            y0 = min(d["top"][i] for i in ids)
            x1 = max(d["left"][i] + d["width"][i] for i in ids)
            y1 = max(d["top"][i] + d["height"][i] for i in ids)
            text = "".join(str(d["text"][i]).strip() for i in ids)
            out.append(((x0, y0, x1, y1), text, min(float(d["conf"][i]) for i in ids) / 100))
        return out


@lru_cache(maxsize=4)
def get_engine(name: str) -> OcrEngine:
    """The engine of that name, loaded once per process."""
    if name == "rapidocr":
        return RapidOcrEngine()
    if name == "tesseract":
        return TesseractEngine()
    raise ValueError(f"unknown OCR engine {name!r}")


@lru_cache(maxsize=1)
def direction_classifier() -> RapidOcrEngine | None:
    """RapidOCR's 0/180 text-line classifier, used for orientation whatever the engine."""
    try:
        return RapidOcrEngine()
    except Exception:
        return None
