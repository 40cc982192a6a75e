"""Kaldi data directories: the DataDir model, validation, repair, subsets, splits, combination,
and the bridge to lhotse manifests (``mtlhybrid.data.lhotse_bridge``, imported on demand).
``mtlhybrid.data.audio`` (reading wav.scp entries) belongs to the features part."""

from mtlhybrid.data.combine import combine_data
from mtlhybrid.data.copy import copy_data_dir
from mtlhybrid.data.datadir import DataDir, Segment
from mtlhybrid.data.fix import FixReport, fix_data_dir
from mtlhybrid.data.split import split_data
from mtlhybrid.data.subset import subset_data_dir
from mtlhybrid.data.validate import ValidationReport, validate_data_dir

__all__ = [
    "DataDir",
    "Segment",
    "validate_data_dir",
    "ValidationReport",
    "fix_data_dir",
    "FixReport",
    "subset_data_dir",
    "split_data",
    "copy_data_dir",
    "combine_data",
]
