"""GRPO on an audio LLM: TRL's ``GRPOTrainer`` taught to pass audio to the policy and the reference model.

TRL 1.16's ``GRPOTrainer`` feeds images to vision-language models but has no audio path: its prompt tokenizer
looks for image parts only, and its log-prob routine forwards a fixed list of image keyword arguments. CESAR's
policy (Qwen2.5-Omni's Thinker) needs ``input_features`` / ``feature_attention_mask`` (Whisper log-mels and their
mask) at three places: generation, the old/reference log-probs, and the policy log-probs inside the loss.
``AudioGRPOTrainer`` overrides those seams and nothing else (plus the dataset columns kept), so the loss is TRL's
(group-normalised advantages, clipped ratio, fixed-beta KL ``per_token_loss + beta * per_token_kl``), as CESAR
uses it:

- ``_tokenize_prompts``: render each chat prompt, run the Omni processor on text + audio (which expands
  ``<|AUDIO|>`` to one token per encoder frame), keep the features for the batch;
- ``_generate_and_score_completions``: load the batch's audio (dataset column ``audio``: a wav path or an array),
  run TRL's rollout and scoring, then attach the features to the returned batch, so TRL's shuffling and splitting
  into micro-batches keep features and completions row-aligned;
- ``_compute_loss`` and ``_get_per_token_logps_and_entropies``: forward the batch's features with the token ids;
- ``_set_signature_columns_if_needed``: keep the ``audio`` column when unused columns are removed.

The audio of one batch travels between these seams in ``self._audio_batch``: TRL's internals do not thread extra
inputs through, and the alternative (copying the 600-line methods) would fork the trainer. It is set and cleared
around each call and checked for row alignment, so a stale or misaligned batch fails loudly.

Composing with ADRPO (``replication.rl.adrpo.AdaptiveKLMixin``, per-sample KL coefficient beta0 - A): that
mixin changes the loss, this class changes the inputs, and both wrap TRL's methods through ``super()``, so
``class AudioADRPOTrainer(AdaptiveKLMixin, AudioGRPOTrainer)`` would combine them (MRO: the mixin's
``_compute_loss`` -> this class's, which sets the audio -> TRL's, whose log-prob call reaches the mixin's capture
and then this class's audio forward). Not built here: CESAR uses TRL's fixed-beta loss.

Unsupported (raise at construction): vLLM and continuous-batching generation (they take token ids only), tools /
environments / ``rollout_func`` (multi-turn rollouts would need audio per turn), the Liger loss (scalar path
without audio inputs), processors without a feature extractor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import soundfile
import torch
from trl import GRPOTrainer

from replication.rl.hf_trainer import fit_logprob_tiles

AUDIO_COLUMN = "audio"
AUDIO_KEYS = ("input_features", "feature_attention_mask")
SAMPLE_RATE = 16_000
_IMAGE_KWARGS = ("pixel_values", "image_grid_thw", "pixel_attention_mask", "spatial_shapes", "num_tiles",
                 "image_sizes", "token_type_ids", "mm_token_type_ids", "image_position_ids")


def load_audio(source: Any) -> np.ndarray:
    """A mono float32 waveform at 16 kHz from a wav path or an array-like (as stored in a dataset column)."""
    if isinstance(source, str):
        audio, rate = soundfile.read(source, dtype="float32", always_2d=False)
        if rate != SAMPLE_RATE:
            raise ValueError(f"{source}: sample rate {rate} Hz, expected {SAMPLE_RATE} Hz (no resampling here)")
    else:
        audio = np.asarray(source, dtype=np.float32)
    if audio.ndim != 1:
        raise ValueError(f"expected mono audio (one dimension), got shape {audio.shape}")
    return audio


class AudioGRPOTrainer(GRPOTrainer):
    """``GRPOTrainer`` whose prompts come with audio (column ``audio``) for an Omni-style processor and model.

    Dataset rows: ``prompt`` (chat messages whose user turn holds an ``{"type": "audio"}`` part and a text part),
    ``audio`` (wav path or waveform), plus any columns the reward functions read (``answer``, ``choices``, ...).
    """

    def __init__(self, *args, **kwargs):
        for option in ("tools", "rollout_func", "environment_factory"):
            if kwargs.get(option) is not None:
                raise ValueError(f"AudioGRPOTrainer does not support {option}= (single-turn audio prompts only)")
        super().__init__(*args, **kwargs)
        if not hasattr(self.processing_class, "feature_extractor"):
            raise ValueError("AudioGRPOTrainer needs a processor with a feature_extractor (e.g. OmniAudioProcessor)")
        fit_logprob_tiles(len(self.processing_class.tokenizer))
        if self.use_vllm or self.use_transformers_continuous_batching:
            raise ValueError("AudioGRPOTrainer generates with transformers' generate(); disable vLLM and "
                             "continuous batching (they take token ids without audio features)")
        if self.args.use_liger_kernel:
            raise ValueError("AudioGRPOTrainer does not support use_liger_kernel (its loss path takes no audio)")
        # A sampled <|AUDIO|> token would ask the model for audio features that do not exist (TRL does the same
        # for the image token).
        audio_token_id = self.processing_class.tokenizer.audio_token_id
        suppressed = list(self.generation_config.suppress_tokens or [])
        self.generation_config.suppress_tokens = sorted({*suppressed, audio_token_id})
        self.generation_kwargs["suppress_tokens"] = self.generation_config.suppress_tokens
        self._audio_waveforms: list[np.ndarray] | None = None
        self._audio_batch: dict[str, torch.Tensor] | None = None

    def _set_signature_columns_if_needed(self):
        if self._signature_columns is None:
            self._signature_columns = ["prompt", AUDIO_COLUMN]

    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        if any(AUDIO_COLUMN not in row for row in inputs):
            raise KeyError(f"every row needs an {AUDIO_COLUMN!r} column (wav path or waveform)")
        self._audio_waveforms = [load_audio(row[AUDIO_COLUMN]) for row in inputs]
        try:
            output = super()._generate_and_score_completions(inputs)
            output.update(self._audio_batch)
        finally:
            self._audio_waveforms, self._audio_batch = None, None
        return output

    def _tokenize_prompts(self, prompts: list):
        if self._audio_waveforms is None or len(self._audio_waveforms) != len(prompts):
            raise RuntimeError("_tokenize_prompts called without the batch's audio (expected from "
                               "_generate_and_score_completions)")
        texts = self.processing_class.apply_chat_template(prompts, add_generation_prompt=True, tokenize=False)
        encoded = self.processing_class(text=texts, audio=self._audio_waveforms, padding=True, return_tensors="pt")
        # The processor pads the token ids; TRL wants them unpadded (it pads again, on its own side).
        prompt_ids = [ids[mask.bool()].tolist() for ids, mask in zip(encoded["input_ids"], encoded["attention_mask"])]
        device = self.accelerator.device
        self._audio_batch = {key: encoded[key].to(device) for key in AUDIO_KEYS}
        # Returned as multimodal fields, TRL hands them to generate() with the padded prompt ids.
        return prompt_ids, None, dict(self._audio_batch)

    def _compute_loss(self, model, inputs):
        self._audio_batch = {key: inputs[key] for key in AUDIO_KEYS}
        try:
            return super()._compute_loss(model, inputs)
        finally:
            self._audio_batch = None

    def _get_per_token_logps_and_entropies(self, model, input_ids, attention_mask, logits_to_keep,
                                           batch_size=None, compute_entropy=False, compute_aux_loss=False,
                                           num_images=None, **image_kwargs):
        """TRL's routine (chunked forward, fused LM head, completion tokens only) with the audio features added."""
        unexpected = sorted(key for key, value in image_kwargs.items() if value is not None)
        if unexpected or num_images is not None or set(image_kwargs) - set(_IMAGE_KWARGS):
            raise ValueError(f"AudioGRPOTrainer takes audio only; got image inputs {unexpected or list(image_kwargs)}")
        audio = self._audio_batch
        if audio is None or audio["input_features"].size(0) != input_ids.size(0):
            raise RuntimeError("audio features missing or not aligned with the token rows")
        batch_size = batch_size or input_ids.size(0)
        logps, entropies, aux_losses = [], [], []
        for start in range(0, input_ids.size(0), batch_size):
            end = min(start + batch_size, input_ids.size(0))
            ids, mask = input_ids[start:end], attention_mask[start:end]  # (b, P+C)
            labels = ids.masked_fill(mask == 0, -100)
            labels[:, :-logits_to_keep] = -100  # only completion tokens are scored
            extra = {"output_router_logits": True} if compute_aux_loss else {}
            with self.accelerator.autocast():
                out = model(input_ids=ids, attention_mask=mask, labels=labels, fused_lm_head=True,
                            input_features=audio["input_features"][start:end],  # (b, mels, frames)
                            feature_attention_mask=audio["feature_attention_mask"][start:end], **extra)
            logps.append(out.log_probs[:, -logits_to_keep:])  # (b, C)
            if compute_entropy:
                entropies.append(out.entropy[:, -logits_to_keep:])
            if compute_aux_loss:
                aux_losses.append(out.aux_loss)
        return (torch.cat(logps), torch.cat(entropies) if compute_entropy else None,
                torch.stack(aux_losses).mean() if compute_aux_loss else None)


def audio_prompt(question: str, choices: Sequence[str], instruction: str) -> list[dict]:
    """The chat prompt of one item: audio, then the question, its choices and the output-format instruction.

    ``instruction`` follows Ke-Omni-R's prompt (PAPERS.md section 1), e.g. "Output the thinking process in
    <think> </think> and final answer in <answer> </answer>."
    """
    options = "; ".join(choices)
    text = f"{question} Please choose the answer from the following options: {options}. {instruction}"
    return [{"role": "user", "content": [{"type": "audio"}, {"type": "text", "text": text}]}]
