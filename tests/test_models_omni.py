"""Qwen2.5-Omni Thinker at toy size: tokenizer, processor, forward pass, and the loaders on a saved checkpoint."""

import json

import numpy as np
import pytest
import torch

from replication.models.omni import (
    FORMAT_TOKENS,
    OMNI_SPECIAL_TOKENS,
    OmniAudioProcessor,
    ThinkerSize,
    _is_full_omni,
    build_processor,
    build_thinker,
    load_processor,
    load_thinker,
    save_omni,
    train_tokenizer,
)

TEXTS = ["Is the second note higher or lower? <think> First, the pitch rises from 440 Hz. Therefore, the answer "
         "is higher. </think><answer> higher </answer>", "How many beeps? three beeps in a row", "user assistant"]
SMALL = ThinkerSize(hidden_size=32, num_layers=1, num_heads=4, num_kv_heads=2, intermediate_size=64,
                    audio_d_model=32, audio_layers=1, audio_heads=2)


@pytest.fixture(scope="module")
def processor():
    return build_processor(TEXTS, vocab_size=320, max_audio_seconds=2)


def _batch(processor, seconds=(1.0, 2.0)):
    messages = [{"role": "user", "content": [{"type": "audio"}, {"type": "text", "text": "higher or lower?"}]}]
    texts = processor.apply_chat_template([messages] * len(seconds), add_generation_prompt=True, tokenize=False)
    audio = [np.sin(np.arange(int(16000 * s)) * 0.07).astype(np.float32) for s in seconds]
    return processor(text=texts, audio=audio, padding=True, return_tensors="pt")


def test_tokenizer_holds_the_omni_and_format_tokens_as_single_tokens(processor):
    tok = processor.tokenizer
    for name, token in OMNI_SPECIAL_TOKENS.items():
        assert getattr(tok, name) == token
        assert tok.encode(token, add_special_tokens=False) == [tok.convert_tokens_to_ids(token)]
    for tag in FORMAT_TOKENS:
        assert len(tok.encode(tag, add_special_tokens=False)) == 1


@pytest.mark.parametrize("text", ["<think> 12345 Hz, ü & ☃ </think><answer> The second note </answer>", "", " a  b "])
def test_byte_level_tokenizer_round_trips_any_text(processor, text):
    tok = processor.tokenizer
    assert tok.decode(tok.encode(text, add_special_tokens=False), skip_special_tokens=True) == text


def test_tokenizer_does_not_depend_on_text_order():
    a = train_tokenizer(TEXTS, 300).backend_tokenizer.to_str()
    b = train_tokenizer(TEXTS[::-1], 300).backend_tokenizer.to_str()
    assert a == b


def test_processor_expands_audio_to_25_tokens_per_second(processor):
    batch = _batch(processor, seconds=(1.0, 2.0))
    audio_tokens = (batch["input_ids"] == processor.tokenizer.audio_token_id).sum(-1)
    assert audio_tokens.tolist() == [25, 50]  # 100 mel frames/s, two stride-2 stages in the encoder
    assert batch["input_features"].shape == (2, 128, 200)


def test_processor_refuses_images(processor):
    with pytest.raises(ValueError, match="text and audio only"):
        processor(text=["x"], images=[np.zeros((4, 4, 3))])


def test_chat_template_renders_audio_part(processor):
    messages = [{"role": "user", "content": [{"type": "audio"}, {"type": "text", "text": "Q"}]}]
    rendered = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert rendered == "<|im_start|>user\n<|audio_bos|><|AUDIO|><|audio_eos|>Q<|im_end|>\n<|im_start|>assistant\n"


def test_thinker_forward_and_save_load_round_trip(processor, tmp_path):
    model = build_thinker(processor, SMALL, seed=0).eval()
    batch = _batch(processor)
    with torch.no_grad():
        logits = model(**batch).logits
    assert logits.shape == (*batch["input_ids"].shape, len(processor.tokenizer))
    save_omni(model, processor, tmp_path)
    loaded, loaded_processor = load_thinker(str(tmp_path), dtype=torch.float32).eval(), load_processor(str(tmp_path))
    assert isinstance(loaded_processor, OmniAudioProcessor)
    reloaded = _batch(loaded_processor)
    assert torch.equal(reloaded["input_ids"], batch["input_ids"])
    with torch.no_grad():
        assert torch.equal(loaded(**reloaded).logits, logits)
    assert not _is_full_omni(str(tmp_path))


def test_same_seed_same_weights(processor):
    a, b = build_thinker(processor, SMALL, seed=3), build_thinker(processor, SMALL, seed=3)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_full_omni_checkpoints_and_hub_ids_take_the_thinker_path(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "qwen2_5_omni"}))
    assert _is_full_omni(str(tmp_path))
    assert _is_full_omni("Qwen/Qwen2.5-Omni-7B")
