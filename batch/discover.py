"""Find the input files of a batch and give each a safe output path inside OUT_DIR.

The walk never follows symlinked folders (no loops) and lists each real file once (the first path
a real path is preferred to a symlink, then the first in sorted order). File names are only names: one holding a newline, `..` or bytes that are not
UTF-8 still maps to a JSON path inside OUT_DIR.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pipeline import output_stem


@dataclass(frozen=True)
class Input:
    """One file to convert: its path, its key in the index and where its JSON goes (relative to OUT_DIR)."""

    abs_path: str
    key: str
    json_rel: str


def index_key(rel: str) -> str:
    """The relative path as text the index can store (undecodable bytes shown as \\xNN escapes)."""
    return os.fsencode(rel).decode("utf-8", errors="backslashreplace")


def json_name(base: str) -> str:
    """`a.scan.pdf` -> `a.scan.json` (the rule of cli.output_name)."""
    return output_stem(base) + ".json"


def inside(root: str, rel: str) -> bool:
    """True when root/rel stays inside root once normalised."""
    full = os.path.normpath(os.path.join(root, rel))
    return os.path.commonpath([os.path.abspath(root), os.path.abspath(full)]) == os.path.abspath(root)


# How browsers name the folder of a saved page's pictures and scripts: `page.html` -> `page_files/`
# (Chrome, Firefox), `page.files/` (some CMS exports), `page_文件/` (Chinese Windows, IE).
SAVED_PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
RESOURCE_FOLDER_ENDINGS = ("_files", ".files", "_文件", "_archivos")


def page_resource_dirs(filenames: list[str]) -> set[str]:
    """The resource-folder names of the saved web pages among filenames: their pictures are parts of the
    page (read with it), not reports of their own."""
    stems = {os.path.splitext(f)[0] for f in filenames if f.lower().endswith(SAVED_PAGE_SUFFIXES)}
    return {stem + end for stem in stems for end in RESOURCE_FOLDER_ENDINGS}


def walk_files(input_dir: str, skip_dirs: set[str]) -> list[str]:
    """Every non-directory entry under input_dir (sorted), not descending into symlinks, skip_dirs or the
    resource folder of a saved web page beside its page."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(input_dir, followlinks=False):
        resources = page_resource_dirs(filenames)
        dirnames[:] = sorted(
            d for d in dirnames if os.path.realpath(os.path.join(dirpath, d)) not in skip_dirs and d not in resources
        )
        out.extend(os.path.join(dirpath, f) for f in sorted(filenames))
    return out


def unique_json_rel(rel: str, taken: set[str]) -> str:
    """The mirrored JSON path for rel; on a clash (a.pdf and a.docx) the full name is kept (a.docx.json)."""
    head, base = os.path.split(rel)
    for i in range(10_000):
        name = json_name(base) if i == 0 else base + ".json" if i == 1 else f"{base}.{i}.json"
        cand = os.path.join(head, name)
        if cand not in taken:
            return cand
    raise RuntimeError(f"no free output name for {rel!r}")


def part_json_rel(json_rel: str, index: int) -> str:
    """Where report ``index`` of a bound volume goes: `a/vol.json` -> `a/vol.<index>.json` (as `convert` names it)."""
    return f"{json_rel[: -len('.json')] if json_rel.endswith('.json') else json_rel}.{index}.json"


def one_per_real_file(paths: list[str]) -> list[str]:
    """Keep one path per real file: the first one that is not a symlink, else the first symlink."""
    chosen: dict[str, str] = {}
    for path in paths:
        real = os.path.realpath(path)
        if real not in chosen or (os.path.islink(chosen[real]) and not os.path.islink(path)):
            chosen[real] = path
    keep = set(chosen.values())
    return [p for p in paths if p in keep]


def list_inputs(input_dir: str, out_dir: str) -> list[Input]:
    """The batch's inputs in sorted order: one per real file, OUT_DIR itself excluded."""
    taken: set[str] = set()
    inputs: list[Input] = []
    for path in one_per_real_file(walk_files(input_dir, {os.path.realpath(out_dir)})):
        rel = os.path.relpath(path, input_dir)
        json_rel = unique_json_rel(rel, taken)
        if not inside(out_dir, json_rel):  # cannot happen for names os.walk returns; checked all the same
            raise RuntimeError(f"output path of {rel!r} leaves the output folder")
        taken.add(json_rel)
        inputs.append(Input(abs_path=os.path.abspath(path), key=index_key(rel), json_rel=json_rel))
    return inputs
