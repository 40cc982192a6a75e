"""Offline speech synthesis (espeak-ng, flite + sox) for tests and the synth_accents recipe."""

from mtlhybrid.synth.tts import SynthesisSettings, synthesize

__all__ = ["SynthesisSettings", "synthesize"]
