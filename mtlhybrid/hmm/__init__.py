"""HMM structure shared by GMM and neural systems, with Kaldi's semantics and numbering.

* ``topology``: the lang's ``topo`` (Kaldi's text format).
* ``tree``: context-dependency trees (``ContextDependency``, ``monophone_tree``).
* ``transition_model``: transition states and ids (``TransitionModel``), MLE update.
* ``model_file``: ``final.mdl`` (``save_model`` / ``load_model``).
* ``alignment``, ``ali_io``: phone spans, per-frame pdfs/phones, CTM, convert-ali; reading ``ali.*.gz``.
* ``tree_stats``, ``questions``, ``build_tree``: triphone tree building (acc-tree-stats,
  cluster-phones, compile-questions, build-tree).
"""
