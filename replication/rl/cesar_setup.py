"""The pieces of the CESAR experiment's stages: data rows, base model, reward sets, TRL arguments.

Each notebook stage calls these; they hold no training loop (TRL's trainers do the training, see
``audio_sft.py`` and ``audio_grpo.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from trl import GRPOConfig as TRLGRPOConfig
from trl import SFTConfig as TRLSFTConfig

from replication.configs.cesar import METHODS, GRPOConfig, ModelConfig, SFTConfig
from replication.configs.runtime import RuntimeConfig
from replication.data.audio_qa import AudioQAItem, answer_at, is_drifted, trace_text
from replication.data.audio_qa.loaders import TraceRecord
from replication.models.omni import ThinkerSize, build_processor, build_thinker, load_processor, load_thinker
from replication.rewards.cesar import COMPONENTS, cesar_reward_funcs, completion_text, split_completion
from replication.rl.audio_grpo import AudioGRPOTrainer, audio_prompt
from replication.rl.audio_sft import sft_completion, sft_think
from replication.rl.hf_trainer import runtime_args
from replication.rl.step_timing import StepTimingMixin


class TimedAudioGRPOTrainer(StepTimingMixin, AudioGRPOTrainer):
    """``AudioGRPOTrainer`` that logs where each step's CPU time goes (``step_timing``)."""


def prompt_of(item: AudioQAItem, instruction: str) -> list[dict]:
    return audio_prompt(item.question, item.choices, instruction)


def grpo_rows(items: list[AudioQAItem], instruction: str) -> list[dict]:
    """GRPO dataset rows: the prompt, the audio path, and the columns the rewards read."""
    return [{"prompt": prompt_of(item, instruction), "audio": str(item.audio_path), "answer": item.answer,
             "choices": list(item.choices), "question": item.question} for item in items]


def rl_prompts(items: list[AudioQAItem], difficulties: list[str]) -> list[AudioQAItem]:
    """The items GRPO samples its prompts from: those of ``difficulties`` (all of them when it is empty)."""
    chosen = [item for item in items if not difficulties or item.difficulty in difficulties]
    if not chosen:
        raise ValueError(f"no training item has a difficulty in grpo.difficulties {difficulties}; the split has "
                         f"{sorted({item.difficulty for item in items})}")
    return chosen


def sft_rows(items: list[AudioQAItem], traces: dict[str, TraceRecord], instruction: str, tokenizer,
             no_think_share: float = 0.0, cut_share: float = 0.0, seed: int = 0) -> list[dict]:
    """SFT rows, one per (item, trace): the prompt, the audio path, the thinking, the answer, ``forced``.

    Each row is drawn (with ``seed``) to be one of three shapes:
    - empty (``no_think_share``): ``<think></think>`` closed by force, then the true answer: the no-reasoning
      mode that test-time scaling measures at L = 0 (the paper's base model answers directly by nature);
    - cut (``cut_share``): the trace cut after a uniform number of its tokens, closed by force, then the answer
      that prefix supports (its last conclusion written in full, else the truth): the shape budget forcing gives;
    - full: the whole trace and its last conclusion (which imagined events may have made wrong).
    """
    missing = [item.id for item in items if item.id not in traces]
    if missing:
        raise ValueError(f"no reasoning trace for {len(missing)} training items (first: {missing[0]}); "
                         "SFT needs the traces written beside the synthetic split (set sft.steps: 0 without them)")
    if not (0.0 <= no_think_share and 0.0 <= cut_share and no_think_share + cut_share <= 1.0):
        raise ValueError(f"no_think_share and cut_share must be >= 0 with a sum <= 1, got {no_think_share}, {cut_share}")
    rng = np.random.default_rng(seed)
    rows = []
    for item in items:
        record = traces[item.id]
        for segments in record.traces:
            text = trace_text(segments)
            draw = rng.random()
            if draw < no_think_share:
                think, answer, forced = "", record.truth, True
            elif draw < no_think_share + cut_share:
                ids = tokenizer.encode(sft_think(text), add_special_tokens=False)
                cut = int(rng.integers(1, len(ids)))  # at least one token kept, at least one cut off
                think = tokenizer.decode(ids[:cut])
                answer, forced = answer_at(segments, len(think) - 1, record.truth), True  # -1: the leading space
            else:
                think, answer, forced = sft_think(text), answer_at(segments, len(text), record.truth), False
            rows.append({"prompt": prompt_of(item, instruction), "audio": str(item.audio_path), "think": think,
                         "answer": answer, "forced": forced})
    return rows


def tokenizer_texts(items: list[AudioQAItem], traces: dict[str, TraceRecord], instruction: str) -> list[str]:
    """Everything the toy tokenizer must encode compactly: prompts (question, choices) and SFT targets."""
    texts = [part["text"] for item in items for part in prompt_of(item, instruction)[0]["content"] if part["type"] == "text"]
    for item in items:
        record = traces.get(item.id)
        for segments in (record.traces if record else ()):
            texts.append(sft_completion(trace_text(segments), item.answer))
    return texts + ["system", "user", "assistant"]


def trace_lengths(traces: dict[str, TraceRecord], tokenizer) -> list[int]:
    """Thinking tokens of every SFT trace, as the model writes them (`` t `` between the tags)."""
    return [len(tokenizer.encode(sft_think(trace_text(segments)), add_special_tokens=False))
            for record in traces.values() for segments in record.traces]


def base_model(model: ModelConfig, texts: list[str]):
    """``(thinker, processor)``: a toy Thinker built from scratch, or the hub checkpoint (paper profile)."""
    if model.source == "hub":
        return load_thinker(model.hub_id), load_processor(model.hub_id)
    processor = build_processor(texts, model.vocab_size, model.max_audio_seconds)
    size = ThinkerSize(hidden_size=model.hidden_size, num_layers=model.num_layers, num_heads=model.num_heads,
                       num_kv_heads=model.num_kv_heads, intermediate_size=model.intermediate_size,
                       audio_d_model=model.audio_d_model, audio_layers=model.audio_layers,
                       audio_heads=model.audio_heads)
    return build_thinker(processor, size, model.seed), processor


def drift(completions, **kwargs) -> list[float]:
    """Diagnostic, never trained on (weight 0): 1 when the thinking drifts into ungrounded content (the testbed's
    drift words, ``replication.data.audio_qa.traces.DRIFT_WORDS``), else 0."""
    return [float(is_drifted(split_completion(completion_text(c))[0])) for c in completions]


def method_rewards(method: str, grpo: GRPOConfig, tokenizer) -> tuple[list, list[float]]:
    """The reward functions and weights of one GRPO variant.

    Every CESAR component is passed to TRL, with weight 0 where ``METHODS[method]`` leaves it out, and the
    ``drift`` diagnostic with weight 0: TRL then logs each of them at every step for every method (what the
    process rewards do to the traces is measured the same way under outcome-only GRPO), while the reward that
    trains is exactly the method's weighted sum.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    funcs, _ = cesar_reward_funcs(None, tokenizer=tokenizer, L_max=grpo.L_max)  # all five, in COMPONENTS order
    weights = [getattr(grpo.weights, name) if name in METHODS[method] else 0.0 for name in COMPONENTS]
    return [*funcs, drift], [*weights, 0.0]


def _device_kwargs(runtime: RuntimeConfig) -> dict:
    """The shared device flags, plus activation checkpointing on CUDA: the 7B model needs it, the toy models
    fit without it and recomputing costs CPU time.
    """
    return {**runtime_args(runtime), "activation_checkpointing": runtime.device == "cuda"}


def sft_args(sft: SFTConfig, output_dir: Path, runtime: RuntimeConfig) -> TRLSFTConfig:
    return TRLSFTConfig(
        output_dir=str(output_dir), max_steps=sft.steps, per_device_train_batch_size=sft.batch_size,
        learning_rate=sft.lr, lr_scheduler_type="cosine", warmup_steps=max(1, sft.steps // 20), seed=sft.seed,
        data_seed=sft.seed, logging_steps=max(1, sft.steps // 20), **_device_kwargs(runtime),
        remove_unused_columns=False, dataset_kwargs={"skip_prepare_dataset": True}, max_length=None,
    )


def grpo_args(grpo: GRPOConfig, seed: int, weights: list[float], output_dir: Path,
              runtime: RuntimeConfig) -> TRLGRPOConfig:
    return TRLGRPOConfig(
        output_dir=str(output_dir), max_steps=grpo.steps,
        per_device_train_batch_size=grpo.prompts_per_step * grpo.num_generations,
        num_generations=grpo.num_generations, max_completion_length=grpo.max_completion_length,
        temperature=grpo.temperature, learning_rate=grpo.lr, beta=grpo.beta, reward_weights=weights,
        seed=seed, data_seed=seed, logging_steps=1, **_device_kwargs(runtime),
    )
