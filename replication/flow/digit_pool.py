"""The digits experiment's pool sampler and evaluation: samples of the policy, their rewards and metrics."""

from __future__ import annotations

import torch

from replication.configs.runtime import RuntimeConfig
from replication.eval.diversity import (
    class_histogram_entropy,
    mean_pairwise_distance,
    restricted_class_entropy,
    within_class_diversity,
)
from replication.flow.online import Pool
from replication.flow.sampling import sample_euler
from replication.models.class_flow import ClassConditionedFlow
from replication.models.digit_classifier import DigitClassifier
from replication.pipeline.runtime import autocast, resolve_device
from replication.rewards.even_digits import EVEN_DIGITS, EvenDigitReward


@torch.no_grad()
def digit_sample_metrics(
    images: torch.Tensor, rewards: torch.Tensor, classifier: DigitClassifier, w2: torch.Tensor | None
) -> dict[str, float]:
    """Reward, diversity and divergence of a batch of generated digits.

    - ``reward``: mean P(even) (optimum 1);
    - ``even_fraction``: share classified as even;
    - ``class_entropy``: entropy of the predicted-class histogram (log 10 = 2.30 all digits evenly, 0 one digit);
    - ``even_class_entropy``: the same among the samples classified as even (log 5 = 1.61 all five even digits
      evenly, 0 copies of one even digit: the collapse ORW-CFM-W2 describes);
    - ``within_class_diversity``: mean pairwise distance of classifier features inside each predicted class (0 when
      every class is copies of one image);
    - ``feature_diversity``: mean pairwise distance of classifier features over the whole batch;
    - ``w2``: mean over samples of ||v_theta - v_ref||^2 along the sampling trajectories (the W2 proxy).
    """
    images = images.float()
    logits = classifier(images)
    probabilities, predicted = logits.softmax(dim=1), logits.argmax(dim=1)
    features = classifier.features(images)
    metrics = {
        "reward": rewards.mean().item(),
        "even_fraction": torch.isin(predicted.cpu(), torch.tensor(EVEN_DIGITS)).double().mean().item(),
        "class_entropy": class_histogram_entropy(probabilities).item(),
        "even_class_entropy": restricted_class_entropy(probabilities, EVEN_DIGITS).item(),
        "within_class_diversity": within_class_diversity(features, predicted).item(),
        "feature_diversity": mean_pairwise_distance(features).item(),
    }
    if w2 is not None:
        metrics["w2"] = w2.mean().item()
    return metrics


def _labels(count: int, label: int | None, generator: torch.Generator) -> torch.Tensor:
    """``count`` conditions: all ``label``, or (label None) uniform over the digits 0..9."""
    if label is None:
        return torch.randint(10, (count,), generator=generator)
    return torch.full((count,), label, dtype=torch.long)


class DigitPoolSampler:
    """draw_pool(policy) for ``online_finetune``: fresh noise at every refresh; every sample conditioned on ``label``
    (ORW: the model's null label, i.e. unconditional), or with ``label=None`` on digits drawn uniformly from 0..9.

    The W2 proxy needs the reference along each trajectory, as much compute again as the sampling: with
    ``w2_samples`` it is measured on the first ``w2_samples`` trajectories of the pool only (None: all of them).
    """

    def __init__(
        self,
        reference: ClassConditionedFlow,
        classifier: DigitClassifier,
        pool_size: int,
        sampling_steps: int,
        generator: torch.Generator,
        runtime: RuntimeConfig,
        label: int | None = None,
        w2_samples: int | None = None,
    ):
        self.device, self.runtime = resolve_device(runtime), runtime
        self.w2_samples = pool_size if w2_samples is None else min(w2_samples, pool_size)
        self.reference, self.classifier = reference.to(self.device), classifier.to(self.device)
        self.reward = EvenDigitReward(classifier)
        self.pool_size, self.sampling_steps, self.generator, self.label = pool_size, sampling_steps, generator, label
        config = reference.config
        self.shape = (pool_size, config.in_channels, config.sample_size, config.sample_size)

    def __call__(self, policy: ClassConditionedFlow) -> tuple[Pool, dict[str, float]]:
        labels = _labels(self.pool_size, self.label, self.generator).to(self.device)
        noise = torch.randn(self.shape, generator=self.generator).to(self.device)
        parts, w2 = [], None
        for start, stop, scored in ((0, self.w2_samples, True), (self.w2_samples, self.pool_size, False)):
            if stop > start:
                part = labels[start:stop]
                with autocast(self.runtime):
                    samples = sample_euler(
                        lambda x, sigma: policy(x, sigma, part),
                        noise[start:stop],
                        self.sampling_steps,
                        reference=(lambda x, sigma: self.reference(x, sigma, part)) if scored else None,
                    )
                parts.append(samples.images)
                w2 = samples.w2 if scored else w2
        images = torch.cat(parts).float().clamp(-1.0, 1.0)
        rewards = self.reward(images)
        pool = Pool(x1=images, condition=labels, rewards=rewards, groups=labels)
        return pool, digit_sample_metrics(images, rewards, self.classifier, w2)


@torch.no_grad()
def evaluate_digits(
    policy: ClassConditionedFlow,
    reference: ClassConditionedFlow,
    classifier: DigitClassifier,
    samples: int,
    sampling_steps: int,
    seed: int,
    runtime: RuntimeConfig,
    label: int | None = None,
) -> dict[str, float]:
    """``digit_sample_metrics`` of ``samples`` fresh samples drawn from noise seeded by ``seed`` (the same noise for
    every model evaluated with that seed), the W2 proxy measured against ``reference``."""
    sampler = DigitPoolSampler(reference, classifier, samples, sampling_steps, torch.Generator().manual_seed(seed),
                               runtime, label=label)
    policy.to(sampler.device).eval()
    return sampler(policy)[1]


@torch.no_grad()
def grid_samples(
    model: ClassConditionedFlow, rows: int, sampling_steps: int, seed: int, label: int | None = None, columns: int = 10
) -> torch.Tensor:
    """rows x columns samples on the CPU from fixed noise (the same for every model): column k conditioned on digit k
    (``label=None``, 10 columns), or every sample on ``label`` (e.g. the null label: unconditional samples)."""
    config = model.config
    count = rows * columns
    labels = torch.arange(10).repeat(rows) if label is None else torch.full((count,), label, dtype=torch.long)
    if label is None and columns != 10:
        raise ValueError(f"a grid conditioned on the digits has 10 columns, got columns={columns}")
    noise = torch.randn(
        (count, config.in_channels, config.sample_size, config.sample_size),
        generator=torch.Generator().manual_seed(seed),
    )
    model = model.cpu()
    images = sample_euler(lambda x, sigma: model(x, sigma, labels), noise, sampling_steps).images
    return images.clamp(-1.0, 1.0)
