"""Fixtures for tests and examples (as lhotse keeps its own in ``lhotse/testing/``).

Small but real inputs built with the toolkit's own code: a lang dir and HMM set
(:mod:`.toy_graph`) and FSDD features with stand-in alignments (:mod:`.toy_nnet_data`).
Nothing in a recipe or a tool depends on them.
"""
