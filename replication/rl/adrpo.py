"""ADRPO for language models: GRPO whose KL coefficient depends on each sample's group advantage.

ADRPO (Adaptive Divergence Regularized Policy Optimization, NeurIPS 2025, arXiv 2510.18053) changes one thing in
a regularised RL objective: the regulariser's weight becomes per sample,

    L = L_PG + (beta0 - A_i) * KL(pi_theta || pi_ref)        (PAPERS.md, section 2, "Language models")

so high-advantage samples are held less tightly to the reference (exploit) and low-advantage ones more.

TRL's ``GRPOTrainer._compute_loss`` adds ``self.beta * per_token_kl`` with a scalar ``beta``. Rather than copy that
270-line method, ``AdaptiveKLMixin`` keeps TRL's loss as it is (with beta = beta0) and adds the correction

    L_ADRPO = L_GRPO(beta0) + agg( (beta_eff_i - beta0) * kl_it )

which is exact because TRL's aggregation ``agg`` is linear in the per-token loss and the KL enters it additively
(after the policy term's masks and importance weights, which therefore stay as TRL computes them). The per-token
log-probabilities are taken from TRL's own forward pass (a capture around ``_get_per_token_logps_and_entropies``), so
no second forward is run. The mixin is trainer-agnostic: any ``GRPOTrainer`` subclass that keeps TRL's
``_compute_loss`` contract (for instance an audio GRPO trainer) gets ADRPO as ``class X(AdaptiveKLMixin, Base)``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import torch
import trl
from trl import GRPOConfig, GRPOTrainer

# The correction above mirrors TRL's KL estimator and loss aggregation line by line; it was checked against this
# version only (tests/test_rl_adrpo.py). Another version may have changed either, so it is refused, not guessed.
TESTED_TRL_VERSIONS = ("1.16.0",)
# Loss aggregations the mirror implements and the tests cover; TRL's others (cispo, sapo, luspo, vespo) are refused.
SUPPORTED_LOSS_TYPES = ("grpo", "bnpo", "dr_grpo", "dapo")
BETA_QUANTILES = (0.1, 0.5, 0.9)


def adrpo_kl_coefficients(
    advantages: torch.Tensor, beta0: float, beta_min: float | None = None, beta_max: float | None = None
) -> torch.Tensor:
    """Per-sample KL coefficients of ADRPO (arXiv 2510.18053, the language-model objective):

        beta_eff_i = clip(beta0 - A_i, beta_min, beta_max)

    ``advantages``: (B,), the group advantages A_i. A bound left as ``None`` is not applied, so with neither bound
    this is the paper's plain ``beta0 - A``. Whether and where to clamp is not published: with std-normalised
    advantages (|A| often 1-3) ``beta0 - A`` is negative for most good samples, which turns the KL penalty into a
    bonus for leaving the reference; ``beta_min = 0`` forbids that.
    """
    if beta_min is not None and beta_max is not None and beta_min > beta_max:
        raise ValueError(f"beta_min ({beta_min}) must not exceed beta_max ({beta_max})")
    coefficients = beta0 - advantages.detach()  # (B,); A is a constant of the loss, as in GRPO
    if beta_min is not None or beta_max is not None:
        coefficients = coefficients.clamp(min=beta_min, max=beta_max)
    return coefficients


def k3_kl(per_token_logps: torch.Tensor, ref_per_token_logps: torch.Tensor) -> torch.Tensor:
    """Per-token KL(pi_theta || pi_ref) estimate used by GRPO (Schulman's k3; DeepSeekMath eq. 4; TRL):

        kl_t = exp(log pi_ref - log pi_theta) - (log pi_ref - log pi_theta) - 1   >= 0

    Both inputs (B, T), log-probabilities of the sampled tokens; returns (B, T).
    """
    delta = ref_per_token_logps - per_token_logps  # (B, T)
    return torch.exp(delta) - delta - 1


@dataclass
class ADRPOConfig(GRPOConfig):
    """``GRPOConfig`` plus ADRPO's clamp bounds; ``beta`` is ADRPO's beta0 (must be > 0)."""

    beta_min: float | None = field(
        default=None,
        metadata={"help": "Lower bound on beta0 - A; None leaves it unbounded below (the paper's formula)."},
    )
    beta_max: float | None = field(
        default=None,
        metadata={"help": "Upper bound on beta0 - A; None leaves it unbounded above."},
    )

    def __post_init__(self):
        super().__post_init__()
        if self.beta_min is not None and self.beta_max is not None and self.beta_min > self.beta_max:
            raise ValueError(f"beta_min ({self.beta_min}) must not exceed beta_max ({self.beta_max})")


def check_adrpo_supported(args: GRPOConfig) -> None:
    """Refuse, before any model is loaded, the settings the adaptive KL correction does not handle."""
    if trl.__version__ not in TESTED_TRL_VERSIONS:
        raise RuntimeError(
            f"ADRPO's loss correction mirrors TRL {', '.join(TESTED_TRL_VERSIONS)} internals; installed TRL is "
            f"{trl.__version__}. Re-check AdaptiveKLMixin against grpo_trainer.py and extend TESTED_TRL_VERSIONS."
        )
    if args is None or not (hasattr(args, "beta_min") and hasattr(args, "beta_max")):
        raise TypeError("ADRPO needs its clamp bounds: pass args=ADRPOConfig(...) (or a config with beta_min/beta_max)")
    if args.beta <= 0.0:
        raise ValueError(
            f"ADRPO needs beta0 = args.beta > 0, got {args.beta}: TRL loads no reference model when beta == 0, and "
            "the per-sample coefficient beta0 - A needs one; a negative beta0 rewards divergence for every sample."
        )
    if args.loss_type not in SUPPORTED_LOSS_TYPES:
        raise ValueError(
            f"loss_type={args.loss_type!r} is not supported by ADRPO; allowed: {', '.join(SUPPORTED_LOSS_TYPES)}"
        )
    if args.use_liger_kernel:
        raise ValueError("use_liger_kernel=True is not supported by ADRPO: Liger's GRPO loss takes a scalar beta")
    if args.use_vllm:
        raise ValueError("use_vllm=True is not supported by ADRPO (untested with vLLM's importance correction)")


class AdaptiveKLMixin:
    """Turns a ``GRPOTrainer`` (or subclass) into ADRPO: the KL coefficient of sample i is ``beta0 - A_i``.

    Put it first in the bases: ``class ADRPOTrainer(AdaptiveKLMixin, GRPOTrainer)``. It overrides two methods:
    ``_get_per_token_logps_and_entropies`` (to keep the policy log-probs of the loss's own forward pass) and
    ``_compute_loss`` (to add the correction). Metrics added per step: ``beta_eff/{mean,min,max,q10,q50,q90}``,
    ``beta_eff/frac_clamped``, ``beta_eff/frac_negative`` (unclamped beta0 - A < 0) and ``adaptive_kl_loss``
    (ADRPO's whole KL term, agg(beta_eff * KL)).
    """

    def __init__(self, *args, **kwargs):
        bound = inspect.signature(super().__init__).bind_partial(*args, **kwargs)
        check_adrpo_supported(bound.arguments.get("args"))
        self._captured_logps: list[torch.Tensor] | None = None
        super().__init__(*args, **kwargs)

    def _get_per_token_logps_and_entropies(self, model, *args, **kwargs):
        output = super()._get_per_token_logps_and_entropies(model, *args, **kwargs)
        if self._captured_logps is not None:  # only inside _compute_loss: the policy's forward with gradients
            self._captured_logps.append(output[0])
        return output

    def _compute_loss(self, model, inputs):
        self._captured_logps = []
        try:
            loss = super()._compute_loss(model, inputs)  # TRL's loss with the scalar beta = beta0
            if len(self._captured_logps) != 1:
                raise RuntimeError(
                    f"expected one policy forward inside _compute_loss, saw {len(self._captured_logps)}: the base "
                    "trainer's loss no longer matches what AdaptiveKLMixin was written against"
                )
            per_token_logps = self._captured_logps[0]  # (B, T)
        finally:
            self._captured_logps = None
        return loss + self._kl_correction(per_token_logps, inputs)

    def _kl_correction(self, per_token_logps: torch.Tensor, inputs: dict) -> torch.Tensor:
        """agg((beta_eff - beta0) * kl): what turns TRL's beta0 * KL into ADRPO's beta_eff * KL."""
        advantages = inputs["advantages"]
        if advantages.dim() != 1:
            raise ValueError(f"ADRPO needs one advantage per sample, shape (B,); got {tuple(advantages.shape)}")
        mask = inputs["completion_mask"]
        if "tool_mask" in inputs:
            mask = mask * inputs["tool_mask"]

        per_token_kl = k3_kl(per_token_logps, inputs["ref_per_token_logps"])  # (B, T)
        if self.args.use_bias_correction_kl:  # TRL weights the KL by the importance ratio pi_theta / pi_old
            per_token_kl = per_token_kl * self._importance_ratio(per_token_logps, inputs, mask)
        beta0 = self.beta
        beta_eff = adrpo_kl_coefficients(advantages, beta0, self.args.beta_min, self.args.beta_max)  # (B,)
        # L_ADRPO = L_GRPO(beta0) + agg((beta_eff - beta0) * kl): exact, agg is linear and the KL enters additively
        correction = self._aggregate((beta_eff - beta0).unsqueeze(1) * per_token_kl, mask, inputs)  # scalar
        with torch.no_grad():
            kl_term = self._aggregate(beta_eff.unsqueeze(1) * per_token_kl, mask, inputs)  # ADRPO's whole KL term
        self._log_adrpo_metrics(beta_eff, beta0 - advantages, kl_term)
        return correction

    def _importance_ratio(self, per_token_logps, inputs, mask):
        """TRL's coef_1 = exp(log pi_theta - log pi_old), per token or per sequence (importance_sampling_level)."""
        old = inputs.get("old_per_token_logps")
        old = per_token_logps.detach() if old is None else old
        log_ratio = per_token_logps - old  # (B, T)
        if self.importance_sampling_level == "sequence":
            log_ratio = ((log_ratio * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).unsqueeze(-1)  # (B, 1)
        return torch.exp(log_ratio)

    def _aggregate(self, per_token_loss, mask, inputs):
        """TRL 1.16.0's reduction of a per-token loss to the scalar loss, for the supported loss types."""
        train = self.model.training
        accumulation = self.current_gradient_accumulation_steps if train else 1.0
        if self.loss_type == "grpo":
            return ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean() / accumulation
        if self.loss_type == "bnpo":
            return (per_token_loss * mask).sum() / mask.sum().clamp(min=1.0) / accumulation
        if self.loss_type == "dr_grpo":
            return (per_token_loss * mask).sum() / (per_token_loss.size(0) * self.max_completion_length) / accumulation
        if self.loss_type == "dapo":
            normalizer = inputs["num_items_in_batch"].clamp(min=1.0) / self.accelerator.num_processes
            if train:
                normalizer = normalizer * self.current_gradient_accumulation_steps / self.args.steps_per_generation
            return (per_token_loss * mask).sum() / normalizer
        raise ValueError(f"loss_type {self.loss_type!r} is not supported by ADRPO")  # refused at construction too

    @torch.no_grad()
    def _log_adrpo_metrics(self, beta_eff, beta_unclamped, kl_loss):
        mode = "train" if self.model.training else "eval"
        clamped = self.accelerator.gather((beta_unclamped.detach() != beta_eff).float())  # (B_global,)
        beta_eff = self.accelerator.gather(beta_eff.float())  # (B_global,)
        quantiles = torch.quantile(beta_eff, torch.tensor(BETA_QUANTILES, device=beta_eff.device))
        metrics = self._metrics[mode]
        metrics["beta_eff/mean"].append(beta_eff.mean().item())
        metrics["beta_eff/min"].append(beta_eff.min().item())
        metrics["beta_eff/max"].append(beta_eff.max().item())
        for q, value in zip(BETA_QUANTILES, quantiles.tolist()):
            metrics[f"beta_eff/q{round(q * 100)}"].append(value)
        metrics["beta_eff/frac_clamped"].append(clamped.mean().item())
        # share of samples whose unclamped beta0 - A is negative (the KL term would reward leaving the reference)
        negative = self.accelerator.gather((beta_unclamped.detach() < 0).float())
        metrics["beta_eff/frac_negative"].append(negative.mean().item())
        metrics["adaptive_kl_loss"].append(self.accelerator.gather(kl_loss.detach()).mean().item())


class ADRPOTrainer(AdaptiveKLMixin, GRPOTrainer):
    """TRL's ``GRPOTrainer`` with ADRPO's per-sample KL coefficient ``beta0 - A``; configure with ``ADRPOConfig``."""
