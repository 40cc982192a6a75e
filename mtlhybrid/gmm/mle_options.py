"""Options and outcome of the GMM M-step, shared by the torch (:mod:`.mle`) and numpy
(:mod:`.numpy_gmm`) updates; kept free of torch so that the CPU tools need not import it."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class MleOptions:
    """Options of the M-step (gmm-est's, with Kaldi's defaults plus a relative variance floor)."""

    min_gaussian_occupancy: float = 10.0
    min_gaussian_weight: float = 1e-5
    min_variance: float = 1e-3
    variance_floor_fraction: float = 1e-3
    remove_low_count_gaussians: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "MleOptions":
        return cls(**d)


@dataclass
class MleStats:
    """What an update did: objective before/after (auxiliary function), counts of changes."""

    objf_before: float
    objf_after: float
    count: float
    floored_elements: int
    floored_gaussians: int
    removed_gaussians: int
    kept_low_count_gaussians: int

    @property
    def objf_impr(self) -> float:
        return self.objf_after - self.objf_before

    @property
    def objf_impr_per_frame(self) -> float:
        return self.objf_impr / self.count if self.count > 0 else 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["objf_impr"] = self.objf_impr
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "MleStats":
        d = {k: v for k, v in d.items() if k != "objf_impr"}
        return cls(**d)


def log_update(logger, stats: MleStats, opts: MleOptions, total_gauss: int) -> None:
    """The M-step's log lines (removed, kept and floored Gaussians; objective gain), one text
    for the torch and numpy updates so that their logs read the same."""
    if stats.removed_gaussians:
        logger.warning("removed %d Gaussians with occupancy <= %g or weight <= %g", stats.removed_gaussians,
                       opts.min_gaussian_occupancy, opts.min_gaussian_weight)
    if stats.kept_low_count_gaussians:
        logger.warning("%d Gaussians have too little data but were kept (the last of their pdf, or removal off)",
                       stats.kept_low_count_gaussians)
    if stats.floored_elements:
        logger.info("floored %d variance elements in %d Gaussians", stats.floored_elements, stats.floored_gaussians)
    logger.info("objective function improvement %.6g per frame over %.1f frames; now %d Gaussians",
                stats.objf_impr_per_frame, stats.count, total_gauss)
