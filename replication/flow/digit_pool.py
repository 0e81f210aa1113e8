"""The digits experiment's pool sampler: class-conditional samples of the policy, their rewards and metrics."""

from __future__ import annotations

import torch

from replication.configs.runtime import RuntimeConfig
from replication.eval.diversity import class_histogram_entropy, mean_pairwise_distance
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
    - ``class_entropy``: entropy of the predicted-class histogram (log 10 = 2.30 all digits, log 5 = 1.61 all
      even digits evenly, 0 one digit: the mode collapse ORW-CFM-W2 warns of);
    - ``feature_diversity``: mean pairwise distance of classifier features (variety within a class too);
    - ``w2``: mean over samples of ||v_theta - v_ref||^2 along the sampling trajectories.
    """
    images = images.float()
    logits = classifier(images)
    metrics = {
        "reward": rewards.mean().item(),
        "even_fraction": torch.isin(logits.argmax(dim=1).cpu(), torch.tensor(EVEN_DIGITS)).double().mean().item(),
        "class_entropy": class_histogram_entropy(logits.softmax(dim=1)).item(),
        "feature_diversity": mean_pairwise_distance(classifier.features(images)).item(),
    }
    if w2 is not None:
        metrics["w2"] = w2.mean().item()
    return metrics


class DigitPoolSampler:
    """draw_pool(policy) for ``online_finetune``: labels uniform over 0..9, fresh noise at every refresh."""

    def __init__(
        self,
        reference: ClassConditionedFlow,
        classifier: DigitClassifier,
        pool_size: int,
        sampling_steps: int,
        generator: torch.Generator,
        runtime: RuntimeConfig,
    ):
        self.device, self.runtime = resolve_device(runtime), runtime
        self.reference, self.classifier = reference.to(self.device), classifier.to(self.device)
        self.reward = EvenDigitReward(classifier)
        self.pool_size, self.sampling_steps, self.generator = pool_size, sampling_steps, generator
        config = reference.config
        self.shape = (pool_size, config.in_channels, config.sample_size, config.sample_size)

    def __call__(self, policy: ClassConditionedFlow) -> tuple[Pool, dict[str, float]]:
        labels = torch.randint(10, (self.pool_size,), generator=self.generator).to(self.device)
        noise = torch.randn(self.shape, generator=self.generator).to(self.device)
        with autocast(self.runtime):
            samples = sample_euler(
                lambda x, sigma: policy(x, sigma, labels),
                noise,
                self.sampling_steps,
                reference=lambda x, sigma: self.reference(x, sigma, labels),
            )
        images = samples.images.float().clamp(-1.0, 1.0)
        rewards = self.reward(images)
        pool = Pool(x1=images, condition=labels, rewards=rewards, groups=labels)
        return pool, digit_sample_metrics(images, rewards, self.classifier, samples.w2)


@torch.no_grad()
def grid_samples(model: ClassConditionedFlow, rows: int, sampling_steps: int, seed: int) -> torch.Tensor:
    """rows x 10 samples on the CPU, column k conditioned on digit k, from fixed noise (the same for every model)."""
    config = model.config
    labels = torch.arange(10).repeat(rows)  # (rows * 10,)
    noise = torch.randn(
        (len(labels), config.in_channels, config.sample_size, config.sample_size),
        generator=torch.Generator().manual_seed(seed),
    )
    model = model.cpu()
    images = sample_euler(lambda x, sigma: model(x, sigma, labels), noise, sampling_steps).images
    return images.clamp(-1.0, 1.0)
