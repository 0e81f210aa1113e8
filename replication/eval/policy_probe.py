"""Reward, entropy and KL to the reference of a language-model policy, measured the same way for every run.

The trainer's own logs are not enough to compare runs: a beta = 0 GRPO run computes no KL (TRL loads no
reference model), and its entropy is measured on whatever prompts the step drew. The probe samples a fixed prompt
set with a fixed seed and scores the samples against a frozen reference with exact (full-vocabulary) per-token
entropy and KL, so every method, step and seed is measured alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase


def token_entropy_and_kl_sums(
    policy_logits: torch.Tensor, reference_logits: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sums over masked tokens of the policy's entropy and of KL(policy || reference), over the vocabulary:

        H_t  = - sum_v p_t(v) log p_t(v)
        KL_t =   sum_v p_t(v) (log p_t(v) - log q_t(v))

    ``policy_logits``, ``reference_logits``: (B, T, V) at the completion positions; ``mask``: (B, T), 1 for the
    generated tokens (EOS included), 0 for padding after it. Sums (not means) so chunks can be added up.
    """
    log_p = torch.log_softmax(policy_logits.float(), dim=-1)  # (B, T, V)
    log_q = torch.log_softmax(reference_logits.float(), dim=-1)  # (B, T, V)
    p = log_p.exp()
    entropy = -(p * log_p).sum(-1)  # (B, T)
    kl = (p * (log_p - log_q)).sum(-1)  # (B, T)
    weights = mask.float()
    return (entropy * weights).sum(), (kl * weights).sum()


def token_entropy_and_kl(
    policy_logits: torch.Tensor, reference_logits: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Means over masked tokens of ``token_entropy_and_kl_sums`` (nats per token)."""
    entropy, kl = token_entropy_and_kl_sums(policy_logits, reference_logits, mask)
    tokens = mask.float().sum().clamp(min=1.0)
    return entropy / tokens, kl / tokens


def scoring_chunk_size(vocab_size: int, steps: int, max_logits: int = 2**24) -> int:
    """Samples per scoring pass so that one pass holds at most ``max_logits`` logits (64 MiB in float32), and at
    least 16: a character vocabulary scores a whole probe at once, a 150k-token vocabulary 16 samples at a time."""
    return max(16, max_logits // (vocab_size * (steps + 1)))


@dataclass(frozen=True)
class ProbeSamples:
    completions: list[str]  # decoded, special tokens dropped, prompt-major order (prompt i's samples together)
    entropy: float  # nats per generated token
    kl: float  # KL(policy || reference), nats per generated token


@torch.no_grad()
def probe_policy(
    policy: PreTrainedModel,
    reference: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    samples_per_prompt: int,
    max_new_tokens: int,
    seed: int,
    chunk_size: int | None = None,
) -> ProbeSamples:
    """Sample ``samples_per_prompt`` completions per prompt at temperature 1 and measure them (see module doc).

    Sampling runs under a forked, reseeded RNG, so probing neither depends on nor disturbs the training RNG.
    ``chunk_size``: samples per scoring forward pass; None: ``scoring_chunk_size`` of the vocabulary.
    """
    was_training = policy.training
    policy.eval()
    try:
        encoded = tokenizer(
            [prompt for prompt in prompts for _ in range(samples_per_prompt)], return_tensors="pt", padding=True
        ).to(policy.device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            sequences = policy.generate(
                **encoded, do_sample=True, temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=max_new_tokens,
                pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
            )  # (N, P + T)
        prompt_length = encoded["input_ids"].shape[1]
        completion = sequences[:, prompt_length:]  # (N, T)
        # generated tokens up to and including the first EOS
        is_eos = completion == tokenizer.eos_token_id
        mask = ~((is_eos.cumsum(dim=1) - is_eos.long()) > 0)  # (N, T)
        attention = torch.cat([encoded["attention_mask"], mask.long()], dim=1)
        steps = completion.shape[1]
        chunk_size = chunk_size or scoring_chunk_size(policy.config.get_text_config().vocab_size, steps)
        entropy_sum = kl_sum = 0.0
        # chunks of samples: full-vocabulary logits of a whole probe at once would not fit at paper scale
        for start in range(0, sequences.shape[0], chunk_size):
            rows = slice(start, start + chunk_size)
            inputs = {"input_ids": sequences[rows], "attention_mask": attention[rows], "logits_to_keep": steps + 1}
            # logits at position t predict token t + 1: the last steps + 1 positions, minus the final one
            policy_logits = policy(**inputs).logits[:, :-1]  # (n, T, V)
            reference_logits = reference(**inputs).logits[:, :-1]  # (n, T, V)
            entropy, kl = token_entropy_and_kl_sums(policy_logits, reference_logits, mask[rows])
            entropy_sum, kl_sum = entropy_sum + entropy.item(), kl_sum + kl.item()
        tokens = max(mask.sum().item(), 1)
        texts = tokenizer.batch_decode(completion, skip_special_tokens=True)
    finally:
        policy.train(was_training)
    return ProbeSamples(completions=texts, entropy=entropy_sum / tokens, kl=kl_sum / tokens)
