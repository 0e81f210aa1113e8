"""The prompt-conditioned SD3 transformer: save/load round trip, the flow-matching convention, sampling and W2."""

import copy

import pytest
import torch
from diffusers import FlowMatchEulerDiscreteScheduler

from replication.data.shapes import vocabulary
from replication.models.text_flow import TextFlowModel, build_tokenizer, noised, sample, transformer_velocity

PROMPTS = ["a red cross left of a blue square", "a green triangle above a yellow cross"]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return TextFlowModel.build(vocabulary(), 16, num_layers=1, attention_head_dim=8)


def test_tokenizer_is_word_level_with_bos_eos_and_padding():
    tokenizer = build_tokenizer(["red", "cross"], max_length=6)
    ids = tokenizer(["red cross"], padding="max_length").input_ids[0]
    assert ids == [2, tokenizer.convert_tokens_to_ids("red"), tokenizer.convert_tokens_to_ids("cross"), 3, 0, 0]
    assert tokenizer.eos_token_id != 2  # CLIP's legacy pooling path is keyed on eos id 2


def test_round_trip_gives_identical_outputs(model, tmp_path):
    model.save_pretrained(tmp_path)
    loaded = TextFlowModel.from_pretrained(tmp_path)
    with torch.no_grad():
        embeds, pooled = model.encode(PROMPTS)
        embeds2, pooled2 = loaded.encode(PROMPTS)
        assert torch.equal(embeds, embeds2) and torch.equal(pooled, pooled2)
        x, sigma = torch.randn(2, 3, 16, 16), torch.tensor([0.3, 0.9])
        assert torch.equal(model.velocity()(x, sigma, embeds, pooled), loaded.velocity()(x, sigma, embeds, pooled))
    with pytest.raises(FileNotFoundError, match="missing subfolder"):
        TextFlowModel.from_pretrained(tmp_path / "transformer")


def test_prompts_condition_the_velocity(model):
    with torch.no_grad():
        embeds, pooled = model.encode(PROMPTS)
        assert not torch.allclose(pooled[0], pooled[1])
        x = torch.randn(1, 3, 16, 16).repeat(2, 1, 1, 1)
        v = model.velocity()(x, torch.tensor([0.5, 0.5]), embeds, pooled)
    assert v.shape == (2, 3, 16, 16) and not torch.allclose(v[0], v[1])


def test_unknown_words_are_refused(model):
    with pytest.raises(ValueError, match="outside the vocabulary"):
        model.encode(["a purple cross left of a blue square"])


def test_noised_follows_the_diffusers_convention():
    x1, noise = torch.full((2, 1, 1, 1), 2.0), torch.full((2, 1, 1, 1), -1.0)
    x_t, u = noised(x1, noise, torch.tensor([0.25, 1.0]))
    # x_t = (1 - s) * 2 + s * (-1): 0.75 * 2 - 0.25 = 1.25 and -1 (pure noise at s = 1); u = noise - x1 = -3
    assert torch.allclose(x_t.flatten(), torch.tensor([1.25, -1.0])) and torch.allclose(u, torch.full_like(u, -3.0))


def test_sample_integrates_from_noise_to_data_and_measures_w2():
    embeds, pooled = torch.zeros(3, 2, 4), torch.zeros(3, 4)
    scheduler = FlowMatchEulerDiscreteScheduler()
    ones = lambda x, s, e, p: torch.ones_like(x)  # noqa: E731  constant velocity fields integrate in closed form
    zeros = lambda x, s, e, p: torch.zeros_like(x)  # noqa: E731
    start = torch.randn((3, 1, 2, 2), generator=torch.Generator().manual_seed(5))
    x, w2 = sample(ones, embeds, pooled, scheduler, (1, 2, 2), 4, torch.Generator().manual_seed(5), reference=zeros)
    # sum of the Euler steps d(sigma) from 1 to 0 is -1, so x_0 = noise - v = noise - 1; W2 = mean ||1 - 0||^2 = 1
    assert torch.allclose(x, start - 1.0, atol=1e-6) and torch.allclose(w2, torch.ones(3))
    _, none = sample(ones, embeds, pooled, scheduler, (1, 2, 2), 4, torch.Generator().manual_seed(5))
    assert none is None


def test_sampling_is_reproducible_and_w2_is_zero_against_a_copy(model):
    with torch.no_grad():
        embeds, pooled = model.encode(PROMPTS)
    reference = transformer_velocity(copy.deepcopy(model.transformer))
    args = (embeds, pooled, model.scheduler, model.image_shape, 3)
    a, w2 = sample(model.velocity(), *args, torch.Generator().manual_seed(1), reference=reference)
    b, _ = sample(model.velocity(), *args, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and torch.equal(w2, torch.zeros(2))
