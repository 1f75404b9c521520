"""A person's corrections, kept outside the documents (SPEC "Corrections by a person").

`apply_stored(report, out_dir)` gives a canonical report with the corrections stored in an output folder
applied (cells `"source": "manual"`, checks recomputed): what `convert`, `batch`, `audit` and `review` call.
"""

from corrections.apply import Correction, apply_corrections
from corrections.folder import apply_stored, decide, sync_folder

__all__ = ["Correction", "apply_corrections", "apply_stored", "decide", "sync_folder"]
