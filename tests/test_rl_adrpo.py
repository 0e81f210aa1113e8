"""ADRPO's per-sample KL coefficient: the pure function, the trainer's loss against TRL's and a hand computation,
clamping, and the options it refuses. Tiny Qwen2 (hidden 32, 2 layers), hand-built batches of 4 completions."""

from __future__ import annotations

import math

import pytest
import torch
from trl import GRPOConfig, GRPOTrainer

import replication.rl.adrpo as adrpo
from replication.data.digit_sum_task import prompt_dataset
from replication.models.tiny_lm import build_char_tokenizer, save_lm, tiny_qwen
from replication.rewards.digit_sum import DigitSumReward
from replication.rl.adrpo import ADRPOConfig, ADRPOTrainer, adrpo_kl_coefficients, k3_kl

BETA0 = 0.1


# ---- pure functions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "beta_min, beta_max, expected",
    [
        (None, None, [-1.4, 0.6, 0.1, 2.1]),  # the paper's beta0 - A, negative for A > beta0
        (0.0, None, [0.0, 0.6, 0.1, 2.1]),  # floor at 0: good samples are never pushed away from the reference
        (None, 0.5, [-1.4, 0.5, 0.1, 0.5]),  # ceiling only
        (0.05, 0.5, [0.05, 0.5, 0.1, 0.5]),  # both
    ],
)
def test_coefficients_are_beta0_minus_advantage_clamped_only_to_given_bounds(beta_min, beta_max, expected):
    advantages = torch.tensor([1.5, -0.5, 0.0, -2.0])
    got = adrpo_kl_coefficients(advantages, BETA0, beta_min, beta_max)
    torch.testing.assert_close(got, torch.tensor(expected))


def test_coefficients_refuse_inverted_bounds():
    with pytest.raises(ValueError, match="beta_min"):
        adrpo_kl_coefficients(torch.zeros(2), BETA0, beta_min=1.0, beta_max=0.5)


def test_k3_kl_matches_hand_values():
    logps = torch.tensor([[-1.0, -0.5]])
    ref = torch.tensor([[-2.0, -0.5]])
    # exp(-1) - (-1) - 1 = e^-1 ; identical log-probs give 0
    torch.testing.assert_close(k3_kl(logps, ref), torch.tensor([[math.exp(-1.0), 0.0]]))


# ---- trainer fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tiny_qwen2")
    tokenizer = build_char_tokenizer()
    save_lm(tiny_qwen("qwen2", tokenizer, hidden_size=32, num_layers=2, seed=3), tokenizer, directory)
    return str(directory), tokenizer


def make_trainer(checkpoint, tmp_path, trainer_class=ADRPOTrainer, config_class=ADRPOConfig, **overrides):
    path, tokenizer = checkpoint
    settings = dict(
        output_dir=str(tmp_path / "out"), per_device_train_batch_size=4, num_generations=4, max_completion_length=5,
        max_steps=2, report_to="none", use_cpu=True, logging_steps=1, save_strategy="no", seed=0, disable_tqdm=True,
        beta=BETA0, loss_type="grpo", bf16=False,  # TRL defaults to bf16 autocast, even on CPU
    )
    settings.update(overrides)
    trainer = trainer_class(
        model=path, reward_funcs=DigitSumReward(), args=config_class(**settings),
        train_dataset=prompt_dataset([(15, 4), (17, 4)], 4), processing_class=tokenizer,
    )
    trainer.model.train()
    trainer.current_gradient_accumulation_steps = 2  # exercise the accumulation normaliser of every loss type
    return trainer


def hand_logps(model, batch):
    """log pi(completion token) from a plain forward pass, independent of TRL's fused LM head."""
    input_ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], dim=1)  # (B, P + T)
    attention_mask = torch.cat([batch["prompt_mask"], batch["completion_mask"]], dim=1)
    logits = model(input_ids=input_ids, attention_mask=attention_mask).logits  # (B, P + T, V)
    steps = batch["completion_ids"].size(1)
    logits = logits[:, -steps - 1 : -1]  # position t predicts token t + 1
    return torch.log_softmax(logits.float(), -1).gather(-1, batch["completion_ids"].unsqueeze(-1)).squeeze(-1)


def make_batch(model, advantages, with_old_logps=False):
    generator = torch.Generator().manual_seed(7)
    prompt_ids = torch.tensor([[0, 4, 10, 13], [4, 7, 13, 7], [0, 0, 5, 13], [4, 9, 13, 7]])  # (B, P), left-padded
    prompt_mask = (prompt_ids != 0).long()
    completion_ids = torch.randint(3, 15, (4, 5), generator=generator)  # (B, T)
    completion_mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 0], [1, 0, 0, 0, 0]])
    batch = {
        "prompt_ids": prompt_ids, "prompt_mask": prompt_mask, "completion_ids": completion_ids,
        "completion_mask": completion_mask, "advantages": torch.tensor(advantages, dtype=torch.float32),
        "num_items_in_batch": completion_mask.sum(),
    }
    with torch.no_grad():
        logps = hand_logps(model, batch)
    batch["ref_per_token_logps"] = logps + 0.3 * torch.randn(logps.shape, generator=generator)  # a KL that is not 0
    if with_old_logps:
        batch["old_per_token_logps"] = logps + 0.1 * torch.randn(logps.shape, generator=generator)
    return batch


def masked_aggregate(per_token, mask, loss_type, accumulation=2, max_completion_length=5):
    """TRL's reductions of a per-token loss, written out by hand for every supported loss type."""
    if loss_type == "grpo":  # mean over each sequence's tokens, then over sequences
        return ((per_token * mask).sum(-1) / mask.sum(-1)).mean() / accumulation
    if loss_type == "bnpo":  # mean over all tokens of the batch
        return (per_token * mask).sum() / mask.sum() / accumulation
    if loss_type == "dr_grpo":  # sum over tokens / (sequences x the maximal completion length): no length bias
        return (per_token * mask).sum() / (per_token.shape[0] * max_completion_length) / accumulation
    if loss_type == "dapo":  # sum over all tokens / tokens of the generation batch per accumulation window
        steps_per_generation = 1  # TRL's default: the gradient_accumulation_steps of the config (1 here)
        return (per_token * mask).sum() / (mask.sum() * accumulation / steps_per_generation)
    raise AssertionError(loss_type)


# ---- the loss -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss_type", adrpo.SUPPORTED_LOSS_TYPES)
@pytest.mark.parametrize("bias_correction", [True, False])
def test_zero_advantages_give_grpo_loss_and_gradient_with_beta0(checkpoint, tmp_path, loss_type, bias_correction):
    options = dict(loss_type=loss_type, use_bias_correction_kl=bias_correction)
    ours = make_trainer(checkpoint, tmp_path, beta_min=0.0, beta_max=1.0, **options)
    theirs = make_trainer(checkpoint, tmp_path, GRPOTrainer, GRPOConfig, **options)
    batch = make_batch(ours.model, [0.0, 0.0, 0.0, 0.0], with_old_logps=True)

    loss_ours = ours._compute_loss(ours.model, batch)
    loss_theirs = theirs._compute_loss(theirs.model, batch)
    assert loss_theirs.item() > 0  # only the KL term is left at A = 0, and it is positive here
    torch.testing.assert_close(loss_ours, loss_theirs, rtol=1e-6, atol=1e-8)

    loss_ours.backward()
    loss_theirs.backward()
    for (name, p_ours), p_theirs in zip(ours.model.named_parameters(), theirs.model.parameters()):
        torch.testing.assert_close(p_ours.grad, p_theirs.grad, rtol=1e-5, atol=1e-8, msg=name)


@pytest.mark.parametrize("loss_type", adrpo.SUPPORTED_LOSS_TYPES)
@pytest.mark.parametrize("bias_correction", [True, False])
def test_kl_term_is_hand_computation_with_beta0_minus_advantage(checkpoint, tmp_path, loss_type, bias_correction):
    # non-zero advantages: beta0 - A differs from beta0 for every sample, so the correction is not zero
    advantages = [1.2, -0.8, 0.3, -0.7]
    options = dict(loss_type=loss_type, use_bias_correction_kl=bias_correction)
    ours = make_trainer(checkpoint, tmp_path, **options)  # no clamp: coefficients -1.1, 0.9, -0.2, 0.8
    no_kl = make_trainer(checkpoint, tmp_path, GRPOTrainer, GRPOConfig, beta=0.0, **options)
    batch = make_batch(ours.model, advantages, with_old_logps=True)

    loss_ours, loss_no_kl = ours._compute_loss(ours.model, batch), no_kl._compute_loss(no_kl.model, batch)

    logps = hand_logps(ours.model, batch)  # (B, T)
    ratio = torch.exp(logps - batch["old_per_token_logps"]) if bias_correction else 1.0  # TRL's KL bias correction
    delta = batch["ref_per_token_logps"] - logps
    kl = (torch.exp(delta) - delta - 1) * ratio  # (B, T)
    coefficients = torch.tensor([BETA0 - a for a in advantages]).unsqueeze(1)  # (B, 1)
    expected = masked_aggregate(coefficients * kl, batch["completion_mask"], loss_type)
    torch.testing.assert_close(loss_ours - loss_no_kl, expected, rtol=1e-5, atol=1e-7)

    # gradients too: ADRPO's minus plain GRPO's (two copies of the same weights) is the hand KL term's gradient
    parameters = list(ours.model.parameters())
    grads_ours = torch.autograd.grad(loss_ours, parameters)
    grads_no_kl = torch.autograd.grad(loss_no_kl, list(no_kl.model.parameters()), allow_unused=True)
    grads_hand = torch.autograd.grad(expected, parameters)
    for got, no_kl_grad, want in zip(grads_ours, grads_no_kl, grads_hand):
        no_kl_grad = torch.zeros_like(got) if no_kl_grad is None else no_kl_grad
        torch.testing.assert_close(got - no_kl_grad, want, rtol=1e-4, atol=1e-6)


def test_clamping_is_respected_in_loss_and_metrics(checkpoint, tmp_path):
    advantages = [1.5, -0.5, 0.0, -2.0]  # beta0 - A = -1.4, 0.6, 0.1, 2.1 -> clamped to 0.0, 0.5, 0.1, 0.5
    ours = make_trainer(checkpoint, tmp_path, beta_min=0.0, beta_max=0.5)
    no_kl = make_trainer(checkpoint, tmp_path, GRPOTrainer, GRPOConfig, beta=0.0)
    batch = make_batch(ours.model, advantages)

    kl_term = ours._compute_loss(ours.model, batch) - no_kl._compute_loss(no_kl.model, batch)

    logps = hand_logps(ours.model, batch)
    delta = batch["ref_per_token_logps"] - logps
    coefficients = torch.tensor([[0.0], [0.5], [0.1], [0.5]])
    expected = masked_aggregate(coefficients * (torch.exp(delta) - delta - 1), batch["completion_mask"], "grpo")
    torch.testing.assert_close(kl_term, expected, rtol=1e-5, atol=1e-7)

    metrics = ours._metrics["train"]
    assert metrics["beta_eff/min"] == [pytest.approx(0.0)]
    assert metrics["beta_eff/max"] == [pytest.approx(0.5)]
    assert metrics["beta_eff/mean"] == [pytest.approx(0.275)]
    assert metrics["beta_eff/frac_clamped"] == [pytest.approx(0.75)]
    assert metrics["beta_eff/q50"] == [pytest.approx(0.3)]  # torch.quantile interpolates between 0.1 and 0.5
    assert metrics["beta_eff/frac_negative"] == [pytest.approx(0.25)]  # only 0.1 - 1.5 < 0 before the clamp


def test_training_steps_log_effective_beta(checkpoint, tmp_path):
    trainer = make_trainer(checkpoint, tmp_path, beta_min=0.0)
    trainer.train()
    logged = trainer.state.log_history[0]
    for key in ("reward", "entropy", "kl", "beta_eff/mean", "beta_eff/q10", "beta_eff/q90", "adaptive_kl_loss"):
        assert key in logged, key
    assert logged["beta_eff/min"] >= 0.0


class AudioLikeGRPOTrainer(GRPOTrainer):
    """Stands in for another GRPOTrainer subclass (e.g. an audio one) that wraps TRL's loss."""

    def _compute_loss(self, model, inputs):
        self.loss_calls = getattr(self, "loss_calls", 0) + 1
        return super()._compute_loss(model, inputs)


class AudioLikeADRPOTrainer(adrpo.AdaptiveKLMixin, AudioLikeGRPOTrainer):
    pass


def test_mixin_composes_with_another_grpo_subclass(checkpoint, tmp_path):
    advantages = [0.9, -0.4, 0.2, -0.7]
    ours = make_trainer(checkpoint, tmp_path, AudioLikeADRPOTrainer)
    reference = make_trainer(checkpoint, tmp_path)  # plain ADRPOTrainer on the same weights
    batch = make_batch(ours.model, advantages)
    torch.testing.assert_close(ours._compute_loss(ours.model, batch), reference._compute_loss(reference.model, batch))
    assert ours.loss_calls == 1


# ---- refusals -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        (dict(beta=0.0), ValueError, "beta0 = args.beta > 0"),
        (dict(beta=-0.1), ValueError, "beta0 = args.beta > 0"),
        (dict(loss_type="cispo"), ValueError, "loss_type='cispo' is not supported"),
        (dict(use_liger_kernel=True), ValueError, "Liger"),
        (dict(use_vllm=True), ValueError, "use_vllm"),
    ],
)
def test_unsupported_options_are_refused_before_loading_a_model(tmp_path, overrides, error, message):
    settings = dict(output_dir=str(tmp_path), report_to="none", use_cpu=True, beta=BETA0) | overrides
    with pytest.raises(error, match=message):
        # the model path does not exist: the refusal must come before any loading
        ADRPOTrainer(model=str(tmp_path / "missing"), reward_funcs=DigitSumReward(), args=ADRPOConfig(**settings))


def test_plain_grpo_config_is_refused(tmp_path):
    with pytest.raises(TypeError, match="ADRPOConfig"):
        ADRPOTrainer(str(tmp_path / "missing"), DigitSumReward(), GRPOConfig(output_dir=str(tmp_path), use_cpu=True, beta=BETA0))


def test_inverted_bounds_are_refused_by_the_config(tmp_path):
    with pytest.raises(ValueError, match="beta_min"):
        ADRPOConfig(output_dir=str(tmp_path), use_cpu=True, beta=BETA0, beta_min=1.0, beta_max=0.0)


def test_untested_trl_version_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(adrpo.trl, "__version__", "1.17.0")
    with pytest.raises(RuntimeError, match="1.16.0"):
        ADRPOTrainer(str(tmp_path / "missing"), DigitSumReward(), ADRPOConfig(output_dir=str(tmp_path), use_cpu=True, beta=BETA0))


def test_narrowed_logprob_tiles_give_the_same_log_probabilities(checkpoint, tmp_path, monkeypatch):
    import trl.trainer.utils as trl_utils

    from replication.rl.hf_trainer import TRL_LOGPROB_TILE, fit_logprob_tiles

    trainer = make_trainer(checkpoint, tmp_path)
    batch = make_batch(trainer.model, [0.5, -0.5, 0.2, -0.2])
    input_ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], dim=1)
    attention_mask = torch.cat([batch["prompt_mask"], batch["completion_mask"]], dim=1)
    monkeypatch.setattr(trl_utils, "_CHUNKED_LOGPROB_CHUNK_SIZE", TRL_LOGPROB_TILE)  # restored after the test
    default, _, _ = trainer._get_per_token_logps_and_entropies(trainer.model, input_ids, attention_mask, 5)
    assert fit_logprob_tiles(len(checkpoint[1])) == len(checkpoint[1]) == trl_utils._CHUNKED_LOGPROB_CHUNK_SIZE
    narrowed, _, _ = trainer._get_per_token_logps_and_entropies(trainer.model, input_ids, attention_mask, 5)
    torch.testing.assert_close(narrowed, default, rtol=1e-6, atol=1e-6)
    mask = batch["completion_mask"].bool()  # TRL scores the generated tokens only (0 after the EOS)
    torch.testing.assert_close(narrowed[mask], hand_logps(trainer.model, batch)[mask], rtol=1e-5, atol=1e-5)
    assert fit_logprob_tiles(10**6) == TRL_LOGPROB_TILE  # a large vocabulary keeps TRL's default
