"""The prompt-conditioned SD3 transformer: tokenizer, save/load round trip, conditioning, sampling with W2."""

import copy

import pytest
import torch

from replication.data.shapes import all_scenes, prompts_of, vocabulary
from replication.flow.sampling import sample_euler
from replication.models.text_flow import PromptConditionedFlow, build_tokenizer

PROMPTS = ["a red cross left of a blue square", "a green triangle above a yellow cross"]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return PromptConditionedFlow(words=vocabulary(), prompts=prompts_of(all_scenes()), sample_size=16,
                                 text_layers=1, num_layers=1, attention_head_dim=8).eval()


def test_tokenizer_is_word_level_with_bos_eos_and_padding():
    tokenizer = build_tokenizer(["red", "cross"], max_length=6)
    ids = tokenizer(["red cross"], padding="max_length").input_ids[0]
    assert ids == [2, tokenizer.convert_tokens_to_ids("red"), tokenizer.convert_tokens_to_ids("cross"), 3, 0, 0]
    assert tokenizer.eos_token_id != 2  # CLIP's legacy pooling path is keyed on eos id 2


def test_round_trip_gives_identical_velocities(model, tmp_path):
    model.save_pretrained(tmp_path)
    loaded = PromptConditionedFlow.from_pretrained(tmp_path).eval()
    x, sigma = torch.randn(2, 3, 16, 16), torch.tensor([0.3, 0.9])
    index = model.prompt_index(PROMPTS)
    with torch.no_grad():
        assert torch.equal(model(x, sigma, index), loaded(x, sigma, index))
    assert loaded.config.prompts == model.config.prompts


def test_forward_matches_encoding_the_prompt_text(model):
    x, sigma = torch.randn(2, 3, 16, 16), torch.tensor([0.5, 0.5])
    with torch.no_grad():
        embeds, pooled = model.encode(PROMPTS)
        direct = model.velocity_from_embeddings(x, sigma, embeds, pooled)
        assert torch.allclose(model(x, sigma, model.prompt_index(PROMPTS)), direct, atol=1e-6)


def test_prompts_condition_the_velocity(model):
    x = torch.randn(1, 3, 16, 16).repeat(2, 1, 1, 1)
    with torch.no_grad():
        v = model(x, torch.tensor([0.5, 0.5]), model.prompt_index(PROMPTS))
    assert v.shape == (2, 3, 16, 16) and not torch.allclose(v[0], v[1])


def test_unknown_words_and_prompts_are_refused(model):
    with pytest.raises(ValueError, match="outside the vocabulary"):
        model.encode(["a purple cross left of a blue square"])
    with pytest.raises(KeyError, match="not in the model's prompt set"):
        model.prompt_index(["a red cross"])


def test_frozen_text_encoder_gets_no_gradient_but_the_transformer_does(model):
    policy = copy.deepcopy(model).train()
    policy.text_encoder.requires_grad_(False)
    policy(torch.randn(2, 3, 16, 16), torch.rand(2), policy.prompt_index(PROMPTS)).pow(2).mean().backward()
    assert all(p.grad is None for p in policy.text_encoder.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in policy.transformer.parameters())


def test_sampling_is_reproducible_and_w2_is_zero_against_a_copy(model):
    reference = copy.deepcopy(model)
    index = model.prompt_index(PROMPTS)
    noise = torch.randn((2, 3, 16, 16), generator=torch.Generator().manual_seed(1))
    a = sample_euler(lambda x, s: model(x, s, index), noise, 3, reference=lambda x, s: reference(x, s, index))
    b = sample_euler(lambda x, s: model(x, s, index), noise.clone(), 3)
    assert torch.equal(a.images, b.images) and torch.equal(a.w2, torch.zeros(2))
