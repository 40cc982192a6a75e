"""Sequence-discriminative training of the hybrid network (MMI, boosted MMI, sMBR, MPFE).

:mod:`.lattice_arrays` turns a state-level denominator lattice into arc tensors,
:mod:`.forward_backward` runs the log-semiring forward-backward over them (vectorised
over the arcs of each lattice level), :mod:`.criteria` defines the objectives and their
gradients with respect to the network's acoustic log-likelihoods, and :mod:`.trainer`
is the training loop (frame smoothing and auxiliary tasks included).
"""
