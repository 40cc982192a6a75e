"""Logging set up once per command-line tool, in a Kaldi-like one-line format.

Step scripts redirect each job's stderr to ``exp/<dir>/log/<name>.JOB.log`` (through
``utils/run.pl``), so everything a tool reports goes to stderr through this logger.
"""

from __future__ import annotations

import logging
import sys

_FORMAT = "%(asctime)s %(levelname)s (%(name)s) %(message)s"


def setup_logging(verbose: int = 0) -> None:
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
        root.addHandler(handler)
    set_verbosity(verbose)


def set_verbosity(verbose: int) -> None:
    """Kaldi's verbosity level: 0 logs INFO and up, 1 or more DEBUG too (the tools' --verbose)."""
    logging.getLogger().setLevel(logging.DEBUG if verbose > 0 else logging.INFO)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)


def progress(iterable=None, **kwargs):
    """A tqdm progress bar on stderr; silent when stderr is not a terminal (log files)."""
    from tqdm import tqdm

    kwargs.setdefault("disable", None)  # None: off when not a TTY
    kwargs.setdefault("file", sys.stderr)
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, **kwargs)
