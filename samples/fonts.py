"""Font files pinned by path for every sample generator, and a private fontconfig for child renderers.

Generators that draw text themselves (PIL, fpdf2) open these files directly. LibreOffice and Chromium pick
fonts by family name through fontconfig, so what they render depends on what else is installed (with
WenQuanYi Zen Hei or Droid Sans Fallback present, LibreOffice sets 宋体 in another face). They are run with
``fontconfig_env(files)``: ``FONTCONFIG_FILE`` names a generated ``fonts.conf`` that accepts only the
pinned files (``<selectfont>``: every other file in their folders rejected), with its own cache folder, so
the output is the same whatever else is installed.

Faces (``FACES``) are the families real reports are set in: Song/Ming (AR PL UMing, Noto Serif CJK),
Kai (AR PL UKai), Hei (WenQuanYi Zen Hei / Micro Hei, Noto Sans CJK). No packaged Fang-style face covers
simplified Chinese (Debian's cwTeX FangSong lacks a third of the characters of a report), so there is none.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

NOTO = Path("/usr/share/fonts/opentype/noto")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
ARPHIC = Path("/usr/share/fonts/truetype/arphic")
WQY = Path("/usr/share/fonts/truetype/wqy")

NOTO_SANS = NOTO / "NotoSansCJK-Regular.ttc"
NOTO_SERIF = NOTO / "NotoSerifCJK-Regular.ttc"
# What LibreOffice and Chromium may use by default: the Noto CJK faces (fonts-noto-cjk) for Chinese and
# DejaVu (fonts-dejavu-core) for Latin, the set the committed samples were made with.
LATIN = (
    DEJAVU / "DejaVuSans.ttf",
    DEJAVU / "DejaVuSans-Bold.ttf",
    DEJAVU / "DejaVuSerif.ttf",
    DEJAVU / "DejaVuSerif-Bold.ttf",
    DEJAVU / "DejaVuSansMono.ttf",
)
BASE = (NOTO_SANS, NOTO / "NotoSansCJK-Bold.ttc", NOTO_SERIF, NOTO / "NotoSerifCJK-Bold.ttc", *LATIN)


@dataclass(frozen=True)
class Face:
    """One Chinese typeface by file: its style (song, kai, hei), the face index in a collection, its family."""

    style: str
    path: Path
    index: int
    family: str


FACES = {
    "uming": Face("song", ARPHIC / "uming.ttc", 0, "AR PL UMing CN"),
    "noto_serif": Face("song", NOTO_SERIF, 2, "Noto Serif CJK SC"),
    "ukai": Face("kai", ARPHIC / "ukai.ttc", 0, "AR PL UKai CN"),
    "zenhei": Face("hei", WQY / "wqy-zenhei.ttc", 0, "WenQuanYi Zen Hei"),
    "microhei": Face("hei", WQY / "wqy-microhei.ttc", 0, "WenQuanYi Micro Hei"),
    "noto_sans": Face("hei", NOTO_SANS, 2, "Noto Sans CJK SC"),
}
# Family names documents ask for: each is resolved to the face given to fontconfig_env, never to another.
CJK_NAMES = (
    "宋体",
    "仿宋_GB2312",
    "仿宋",
    "黑体",
    "微软雅黑",
    "楷体_GB2312",
    "楷体",
    "SimSun",
    "SimHei",
    "FangSong",
    "KaiTi",
)


def missing(files: tuple[Path, ...] | list[Path]) -> list[Path]:
    """The pinned files that are not on this machine."""
    return [f for f in files if not f.is_file()]


def _alias(name: str, prefer: tuple[str, ...]) -> str:
    """One fontconfig alias: ``name`` asked for, ``prefer`` tried first, in order."""
    return f'<alias binding="strong"><family>{name}</family><prefer>{"".join(f"<family>{p}</family>" for p in prefer)}</prefer></alias>'


def _conf(files: tuple[Path, ...] | list[Path], cache_dir: Path, family: str | None) -> str:
    """A fonts.conf that scans the pinned files' folders and accepts only the pinned files (LibreOffice
    ignores fonts reached through links, so the files stay where Debian put them); the generic families
    as Debian sets them, and with ``family`` every Chinese family name (and serif, sans-serif) resolved to it."""
    generic = {
        "serif": ("DejaVu Serif", "Noto Serif CJK SC"),
        "sans-serif": ("DejaVu Sans", "Noto Sans CJK SC"),
        "monospace": ("DejaVu Sans Mono", "Noto Sans Mono CJK SC"),
    }
    if family:
        generic = {name: ("DejaVu Serif" if name == "serif" else "DejaVu Sans", family) for name in generic}
        generic.update({name: (family,) for name in CJK_NAMES})
    dirs = "".join(f"<dir>{d}</dir>" for d in sorted({str(f.parent) for f in files}))
    accept = "".join(f"<glob>{f}</glob>" for f in files)
    rules = "\n".join(_alias(name, prefer) for name, prefer in generic.items())
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f"{dirs}\n<cachedir>{cache_dir}</cachedir>\n"
        f"<selectfont><rejectfont><glob>*</glob></rejectfont><acceptfont>{accept}</acceptfont></selectfont>\n"
        f"{rules}\n</fontconfig>\n"
    )


def fontconfig_env(files: tuple[Path, ...] | list[Path] = BASE, family: str | None = None) -> dict[str, str]:
    """The environment for a child renderer that sees only ``files`` (a private fonts.conf and cache)."""
    gone = missing(files)
    if gone:
        raise RuntimeError(f"pinned font files missing (run setup.sh): {', '.join(map(str, gone))}")
    key = hashlib.sha1(repr((sorted(map(str, files)), family, os.getuid())).encode()).hexdigest()[:12]
    root = Path(tempfile.gettempdir()) / f"govreport-fonts-{key}"
    conf = root / "fonts.conf"
    if not conf.exists():
        (root / "cache").mkdir(parents=True, exist_ok=True)
        tmp = conf.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(_conf(files, root / "cache", family), encoding="utf-8")
        tmp.replace(conf)  # atomic: a parallel generator sees the whole file or none
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(conf)
    env.pop("FONTCONFIG_PATH", None)
    return env


def face_env(face: Face) -> dict[str, str]:
    """A child renderer's environment where Chinese text is set in ``face`` and Latin in DejaVu."""
    return fontconfig_env((face.path, *LATIN), face.family)
