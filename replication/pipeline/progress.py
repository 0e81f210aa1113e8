"""One text progress bar per loop, the same in a terminal, a stage's log and an executed notebook.

``tqdm.auto`` would draw a widget inside a kernel (and warn when ipywidgets is missing), which shows nothing in
a log; the plain text bar is redrawn in place with carriage returns wherever it is read.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TypeVar

from tqdm.std import tqdm

Item = TypeVar("Item")


def progress_bar(total: int, desc: str) -> tqdm:
    return tqdm(total=total, desc=desc, file=sys.stderr, ncols=100, ascii=True)


def progress(iterable: Iterable[Item], desc: str, total: int | None = None) -> Iterable[Item]:
    return tqdm(iterable, desc=desc, total=total, file=sys.stderr, ncols=100, ascii=True)
