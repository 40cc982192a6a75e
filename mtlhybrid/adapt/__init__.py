"""Adapting a trained multi-task network to a new corpus (``steps/nnet/adapt.sh``).

* :mod:`~mtlhybrid.adapt.transfer` — which tasks and heads carry over, initial weights, frozen layers.
* :mod:`~mtlhybrid.adapt.regularizers` — L2-SP toward source weights, KL toward source outputs.
* :mod:`~mtlhybrid.adapt.finetune` — :func:`adapt_network`, fine-tuning with the nnet trainer.
"""

from mtlhybrid.adapt.finetune import AdaptOptions, adapt_network
from mtlhybrid.adapt.transfer import AdaptPlan, HeadDecision, plan_adaptation

__all__ = ["AdaptOptions", "adapt_network", "AdaptPlan", "HeadDecision", "plan_adaptation"]
