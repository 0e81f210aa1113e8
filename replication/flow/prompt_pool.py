"""The prompt-conditioned experiment's pool sampler and evaluation: K samples per prompt, rewards, diversity, W2."""

from __future__ import annotations

from typing import Callable

import torch

from replication.configs.runtime import RuntimeConfig
from replication.eval.prompt_diversity import per_prompt_diversity
from replication.flow.adrpo_losses import group_advantages
from replication.flow.online import Pool
from replication.flow.sampling import sample_euler
from replication.pipeline.runtime import autocast, resolve_device

# scores(images (B, 3, H, W) in [-1, 1], prompts) -> (rewards (B,), embeddings (B, D)), e.g.
# ShapesAgreementReward.scores or CLIPScoreReward.scores
Scorer = Callable[[torch.Tensor, list[str]], tuple[torch.Tensor, torch.Tensor]]
Decoder = Callable[[torch.Tensor], torch.Tensor]


@torch.no_grad()
def sample_and_score(
    policy: torch.nn.Module,
    reference: torch.nn.Module,
    prompt_index: torch.Tensor,
    prompts: list[str],
    scorer: Scorer,
    shape: tuple[int, ...],
    sampling_steps: int,
    generator: torch.Generator,
    runtime: RuntimeConfig,
    decode: Decoder | None = None,
) -> tuple[torch.Tensor, dict[str, float], torch.Tensor]:
    """Sample one image per entry of ``prompt_index`` and measure it.

    Returns (x1 in the model's space (B, *shape), metrics, rewards (B,)), the metrics being ``reward`` (mean),
    ``diversity`` (``per_prompt_diversity`` of the scorer's embeddings) and ``w2`` (mean over samples of
    ||v_theta - v_ref||^2 along the policy's sampling trajectories). ``decode`` maps model space to images (the
    VAE on the paper profile; pixels need no decoding). Noise comes from the CPU ``generator``, so a CUDA run
    draws the same random stream; tensors come back on the runtime's device.
    """
    device = resolve_device(runtime)
    noise = torch.randn((len(prompt_index), *shape), generator=generator).to(device)
    prompt_index = prompt_index.to(device)
    with autocast(runtime):
        samples = sample_euler(
            lambda x, sigma: policy(x, sigma, prompt_index),
            noise,
            sampling_steps,
            reference=lambda x, sigma: reference(x, sigma, prompt_index),
        )
    x1 = samples.images.float()
    images = (decode(x1) if decode is not None else x1).float().clamp(-1.0, 1.0)
    rewards, embeddings = scorer(images, [prompts[i] for i in prompt_index.tolist()])
    metrics = {
        "reward": rewards.mean().item(),
        "diversity": per_prompt_diversity(embeddings, prompt_index).item(),
        "w2": samples.w2.mean().item(),
    }
    return x1, metrics, rewards


class PromptPoolSampler:
    """draw_pool(policy) for ``online_finetune``: ``prompts_per_pool`` prompts, ``samples_per_prompt`` samples each.

    The prompts are drawn afresh from ``train_index`` at every refresh; each prompt is its own group, and the
    group advantages A = R - mean of R over the prompt's K samples are computed here, once per pool, over whole
    groups (``Pool.advantages``).
    """

    def __init__(
        self,
        reference: torch.nn.Module,
        scorer: Scorer,
        prompts: list[str],
        train_index: torch.Tensor,
        prompts_per_pool: int,
        samples_per_prompt: int,
        shape: tuple[int, ...],
        sampling_steps: int,
        generator: torch.Generator,
        runtime: RuntimeConfig,
        decode: Decoder | None = None,
    ):
        if samples_per_prompt < 2:
            raise ValueError(f"group-relative methods need samples_per_prompt >= 2, got {samples_per_prompt}")
        if prompts_per_pool > len(train_index):
            raise ValueError(f"prompts_per_pool={prompts_per_pool} exceeds the {len(train_index)} training prompts")
        self.reference, self.scorer, self.prompts = reference.to(resolve_device(runtime)), scorer, prompts
        self.train_index, self.prompts_per_pool, self.samples_per_prompt = train_index, prompts_per_pool, samples_per_prompt
        self.shape, self.sampling_steps, self.generator = shape, sampling_steps, generator
        self.runtime, self.decode = runtime, decode

    def __call__(self, policy: torch.nn.Module) -> tuple[Pool, dict[str, float]]:
        chosen = self.train_index[torch.randperm(len(self.train_index), generator=self.generator)[: self.prompts_per_pool]]
        prompt_index = chosen.repeat_interleave(self.samples_per_prompt)  # (P * K,)
        x1, metrics, rewards = sample_and_score(
            policy, self.reference, prompt_index, self.prompts, self.scorer, self.shape, self.sampling_steps,
            self.generator, self.runtime, self.decode,
        )
        prompt_index = prompt_index.to(x1.device)
        advantages = group_advantages(rewards, prompt_index)  # (P * K,) over whole prompt groups
        return Pool(x1=x1, condition=prompt_index, rewards=rewards, groups=prompt_index, advantages=advantages), metrics


def prompt_subset(index: torch.Tensor, n_prompts: int, seed: int) -> torch.Tensor:
    """``n_prompts`` of ``index`` chosen by ``seed`` (sorted): the same subset in every run that uses that seed."""
    if not 1 <= n_prompts <= len(index):
        raise ValueError(f"n_prompts must be in [1, {len(index)}], got {n_prompts}")
    order = torch.randperm(len(index), generator=torch.Generator().manual_seed(seed))[:n_prompts]
    return index[order].sort().values


def evaluation_prompts(index: torch.Tensor, n_prompts: int, samples_per_prompt: int, seed: int) -> torch.Tensor:
    """A fixed evaluation batch: ``n_prompts`` of ``index`` (the same for every run) x ``samples_per_prompt``."""
    return prompt_subset(index, n_prompts, seed).repeat_interleave(samples_per_prompt)


def evaluate(
    policy: torch.nn.Module,
    reference: torch.nn.Module,
    splits: dict[str, torch.Tensor],
    prompts: list[str],
    scorer: Scorer,
    shape: tuple[int, ...],
    sampling_steps: int,
    n_prompts: int,
    samples_per_prompt: int,
    seed: int,
    runtime: RuntimeConfig,
    decode: Decoder | None = None,
) -> dict[str, float]:
    """Reward, diversity and W2 on a fixed batch per split (same prompts and noise for every model and run).

    ``splits`` maps a name ('train', 'heldout') to prompt indices; keys of the result are ``<split>_<metric>``.
    """
    device = resolve_device(runtime)
    policy.to(device)
    reference.to(device)
    out = {}
    for name, index in splits.items():
        prompt_index = evaluation_prompts(index, n_prompts, samples_per_prompt, seed)
        _, metrics, _ = sample_and_score(
            policy, reference, prompt_index, prompts, scorer, shape, sampling_steps,
            torch.Generator().manual_seed(seed), runtime, decode,
        )
        out.update({f"{name}_{key}": value for key, value in metrics.items()})
    return out


@torch.no_grad()
def grid_samples(
    model: torch.nn.Module, index: torch.Tensor, n_prompts: int, samples_per_prompt: int, sampling_steps: int,
    shape: tuple[int, ...], seed: int = 0,
) -> tuple[torch.Tensor, list[int]]:
    """(images (n_prompts * samples_per_prompt, *shape) on the CPU, the n_prompts prompt indices): the first
    prompts of ``index``, from fixed noise, so every model's grid shows the same prompts from the same starts."""
    chosen = index[:n_prompts]
    prompt_index = chosen.repeat_interleave(samples_per_prompt)
    noise = torch.randn((len(prompt_index), *shape), generator=torch.Generator().manual_seed(seed))
    model = model.cpu()
    images = sample_euler(lambda x, sigma: model(x, sigma, prompt_index), noise, sampling_steps).images
    return images.clamp(-1.0, 1.0), chosen.tolist()
