"""Paper-profile loaders on tiny checkpoints saved locally in the real formats (SD3 + LoRA, CLIPScore)."""

import pytest
import torch
from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel, StableDiffusion3Pipeline
from transformers import (
    CLIPConfig,
    CLIPImageProcessor,
    CLIPModel,
    CLIPProcessor,
    CLIPTextConfig,
    CLIPTextModelWithProjection,
    CLIPTokenizer,
    CLIPVisionConfig,
    T5Config,
    T5EncoderModel,
    T5Tokenizer,
)

from replication.flow.sampling import sample_euler
from replication.models.sd3_paper import (
    AdapterDisabled,
    SD3LoRAFlow,
    decode_latents,
    encode_prompts,
    latent_shape,
    load_sd3_with_lora,
)
from replication.rewards.image import CLIPScoreReward, clip_score

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def tiny_clip_tokenizer() -> CLIPTokenizer:
    # byte-pair vocabulary of single letters (no merges): enough to tokenise lower-case prompts
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in LETTERS:
        vocab[ch] = len(vocab)
        vocab[ch + "</w>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=16)


def tiny_clip_text_config(vocab_size: int) -> CLIPTextConfig:
    return CLIPTextConfig(vocab_size=vocab_size, hidden_size=32, intermediate_size=37, num_attention_heads=4,
                          num_hidden_layers=2, max_position_embeddings=16, projection_dim=32,
                          bos_token_id=0, eos_token_id=1, pad_token_id=1)


@pytest.fixture(scope="module")
def tiny_sd3_dir(tmp_path_factory):
    """A tiny StableDiffusion3Pipeline (the diffusers test suite's component sizes) saved with save_pretrained."""
    torch.manual_seed(0)
    tokenizer = tiny_clip_tokenizer()
    t5_vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + [(c, -1.0) for c in "▁" + LETTERS]
    tokenizer_3 = T5Tokenizer(vocab=t5_vocab, extra_ids=0)
    pipe = StableDiffusion3Pipeline(
        transformer=SD3Transformer2DModel(
            sample_size=8, patch_size=1, in_channels=4, out_channels=4, num_layers=1, attention_head_dim=8,
            num_attention_heads=4, caption_projection_dim=32, joint_attention_dim=64, pooled_projection_dim=64),
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=AutoencoderKL(sample_size=8, in_channels=3, out_channels=3, block_out_channels=(4,), layers_per_block=1,
                          latent_channels=4, norm_num_groups=1, use_quant_conv=False, use_post_quant_conv=False,
                          shift_factor=0.0609, scaling_factor=1.5035),
        text_encoder=CLIPTextModelWithProjection(tiny_clip_text_config(len(tokenizer))),
        tokenizer=tokenizer,
        text_encoder_2=CLIPTextModelWithProjection(tiny_clip_text_config(len(tokenizer))),
        tokenizer_2=tiny_clip_tokenizer(),
        text_encoder_3=T5EncoderModel(T5Config(vocab_size=len(tokenizer_3), d_model=64, d_kv=8, d_ff=37, num_layers=2,
                                               num_heads=2, relative_attention_num_buckets=8)),
        tokenizer_3=tokenizer_3,
    )
    path = tmp_path_factory.mktemp("tiny-sd3")
    pipe.save_pretrained(path)
    return path


def test_sd3_lora_loader_round_trip(tiny_sd3_dir):
    pipe = load_sd3_with_lora(str(tiny_sd3_dir), rank=2)
    trainable = [name for name, p in pipe.transformer.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name for name in trainable)
    assert not any(p.requires_grad for p in pipe.text_encoder_3.parameters())

    embeds, pooled = encode_prompts(pipe, ["a red cross", "a blue square"], max_sequence_length=8)
    assert embeds.shape[0] == 2 and pooled.shape == (2, 64)
    policy = SD3LoRAFlow(pipe, ["a red cross", "a blue square"], max_sequence_length=8)
    reference = AdapterDisabled(policy)
    reference.requires_grad_(False)  # what the training loop does to its reference
    assert sum(p.requires_grad for p in policy.parameters()) == len(trainable)  # the LoRA weights stay trainable

    index = torch.tensor([0, 1])
    shape = latent_shape(pipe, 8, 8)
    noise = torch.randn((2, *shape), generator=torch.Generator().manual_seed(0))
    out = sample_euler(lambda x, s: policy(x, s, index), noise, 2, reference=lambda x, s: reference(x, s, index))
    # LoRA's B starts at zero: the adapted model is the reference, exactly
    assert out.images.shape == (2, *shape) and torch.equal(out.w2, torch.zeros(2))
    images = decode_latents(pipe, out.images)
    assert images.shape == (2, 3, 8, 8) and images.abs().max() <= 1.0

    with torch.no_grad():
        for name, p in pipe.transformer.named_parameters():
            if "lora_B" in name:
                p.add_(0.1)
    moved = sample_euler(lambda x, s: policy(x, s, index), noise, 2, reference=lambda x, s: reference(x, s, index))
    assert (moved.w2 > 0).all() and not torch.equal(moved.images, out.images)
    # switching the adapter off for the reference did not leave it off
    assert all(not layer.disable_adapters for name, layer in pipe.transformer.named_modules() if name.endswith("to_q"))


def test_sd3_flow_refuses_a_transformer_without_lora(tiny_sd3_dir):
    pipe = StableDiffusion3Pipeline.from_pretrained(str(tiny_sd3_dir))
    with pytest.raises(ValueError, match="no LoRA adapter"):
        SD3LoRAFlow(pipe, ["a red cross"])


def test_clip_score_hand_case():
    image = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    text = torch.tensor([[2.0, 0.0], [-1.0, 0.0], [1.0, 1.0]])
    # cos = 1, -1 (clamped to 0), 1/sqrt(2)
    assert torch.allclose(clip_score(image, text), torch.tensor([100.0, 0.0, 100.0 / 2**0.5]))


def test_clip_score_reward_round_trip(tmp_path):
    torch.manual_seed(0)
    tokenizer = tiny_clip_tokenizer()
    model = CLIPModel(CLIPConfig(
        text_config=tiny_clip_text_config(len(tokenizer)).to_dict(),
        vision_config=CLIPVisionConfig(hidden_size=32, intermediate_size=37, num_attention_heads=4,
                                       num_hidden_layers=2, image_size=8, patch_size=4).to_dict(),
        projection_dim=16))
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessor(size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8}),
        tokenizer=tokenizer)
    model.save_pretrained(tmp_path)
    processor.save_pretrained(tmp_path)

    reward = CLIPScoreReward.from_pretrained(tmp_path)
    images = torch.rand(2, 3, 8, 8) * 2 - 1
    scores = reward(images, prompts=["a red circle", "a blue square"])
    assert len(scores) == 2 and all(0.0 <= s <= 100.0 for s in scores)
    # the same score as computing the embeddings by hand with the in-memory model
    pixels = processor(images=list((images + 1) / 2), return_tensors="pt", do_rescale=False).pixel_values
    tokens = processor(text=["a red circle", "a blue square"], return_tensors="pt", padding=True)
    with torch.no_grad():
        expected = clip_score(model.get_image_features(pixel_values=pixels).pooler_output,
                              model.get_text_features(**tokens).pooler_output)
    assert torch.allclose(torch.tensor(scores), expected, atol=1e-4)
    assert reward.image_embeddings(images).shape == (2, 16)
