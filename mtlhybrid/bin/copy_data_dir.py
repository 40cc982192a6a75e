"""Copy a data directory, optionally renaming utterances and speakers with prefixes and
suffixes (utils/copy_data_dir.sh). Every table, label files included, is copied."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("copy_data_dir", __doc__)
    p.add_argument("--utt-prefix", default="")
    p.add_argument("--utt-suffix", default="")
    p.add_argument("--spk-prefix", default="")
    p.add_argument("--spk-suffix", default="")
    p.add_argument("--validate-opts", default="", help="options for validating the copy, e.g. '--no-feats'")
    p.add_argument("--no-validate", action="store_true", help="do not validate the copy")
    p.add_argument("srcdir")
    p.add_argument("destdir")
    a = p.parse_args(argv)
    from mtlhybrid.data.copy import copy_data_dir
    from mtlhybrid.data.validate import validate_data_dir

    copy_data_dir(a.srcdir, a.destdir, a.utt_prefix, a.utt_suffix, a.spk_prefix, a.spk_suffix)
    if not a.no_validate:
        opts = set(a.validate_opts.split())
        unknown = opts - {"--no-feats", "--no-text", "--no-wav", "--no-spk-sort", "--non-print", "--no-check-audio"}
        if unknown:
            p.error(f"unknown --validate-opts {' '.join(sorted(unknown))}")
        has_feats = __import__("os").path.exists(f"{a.destdir}/feats.scp")
        validate_data_dir(a.destdir, no_feats=("--no-feats" in opts) or not has_feats, no_text="--no-text" in opts,
                          no_wav="--no-wav" in opts, no_spk_sort="--no-spk-sort" in opts,
                          non_print="--non-print" in opts, check_audio="--no-check-audio" not in opts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
