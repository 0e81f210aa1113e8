"""The pieces of the CESAR experiment's stages: data rows, base model, reward sets, TRL arguments.

Each notebook stage calls these; they hold no training loop (TRL's trainers do the training, see
``audio_sft.py`` and ``audio_grpo.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from trl import GRPOConfig as TRLGRPOConfig
from trl import SFTConfig as TRLSFTConfig

from replication.configs.cesar import METHODS, CorpusConfig, GRPOConfig, ModelConfig, SFTConfig
from replication.configs.runtime import RuntimeConfig
from replication.data.audio_qa import AudioQAItem, load_avqa, load_mmau, load_traces
from replication.models.omni import ThinkerSize, build_processor, build_thinker, load_processor, load_thinker
from replication.rewards.cesar import cesar_reward_funcs
from replication.rl.audio_grpo import audio_prompt
from replication.rl.audio_sft import sft_completion
from replication.rl.hf_trainer import runtime_args


def load_splits(corpus: CorpusConfig, corpus_dir: Path) -> tuple[list[AudioQAItem], dict[str, str], list[AudioQAItem]]:
    """``(train items, {id: reasoning trace}, test-mini items)``; real data has no traces (empty mapping)."""
    if corpus.source == "synthetic":
        train = load_mmau(corpus_dir / "train.json")
        traces = load_traces(corpus_dir / "train-traces.json")
        test = load_mmau(corpus_dir / "test-mini.json")
        return train, traces, test
    return (load_avqa(corpus.avqa_path, audio_dir=corpus.avqa_audio_dir), {},
            load_mmau(corpus.mmau_path, audio_dir=corpus.mmau_audio_dir))


def prompt_of(item: AudioQAItem, instruction: str) -> list[dict]:
    return audio_prompt(item.question, item.choices, instruction)


def grpo_rows(items: list[AudioQAItem], instruction: str) -> list[dict]:
    """GRPO dataset rows: the prompt, the audio path, and the columns the rewards read."""
    return [{"prompt": prompt_of(item, instruction), "audio": str(item.audio_path), "answer": item.answer,
             "choices": list(item.choices), "question": item.question} for item in items]


def sft_rows(items: list[AudioQAItem], traces: dict[str, str], instruction: str, no_think_share: float = 0.0,
             seed: int = 0) -> list[dict]:
    """SFT rows: the prompt, the audio path and the target ``<think> trace </think><answer> y </answer>``.

    A ``no_think_share`` of the rows (drawn with ``seed``) get an empty thinking, ``<think>  </think><answer> y
    </answer>``, so the model also knows the no-reasoning mode that test-time scaling measures at L = 0 (the
    paper's base model answers directly by nature; a model trained on traces alone never saw an empty thinking).
    """
    missing = [item.id for item in items if item.id not in traces]
    if missing:
        raise ValueError(f"no reasoning trace for {len(missing)} training items (first: {missing[0]}); "
                         "SFT needs the traces written beside the synthetic split (set sft.steps: 0 without them)")
    if not 0.0 <= no_think_share <= 1.0:
        raise ValueError(f"no_think_share must be in [0, 1], got {no_think_share}")
    no_think = np.random.default_rng(seed).random(len(items)) < no_think_share
    return [{"prompt": prompt_of(item, instruction), "audio": str(item.audio_path),
             "completion": sft_completion("" if empty else traces[item.id], item.answer)}
            for item, empty in zip(items, no_think)]


def tokenizer_texts(items: list[AudioQAItem], traces: dict[str, str], instruction: str) -> list[str]:
    """Everything the toy tokenizer must encode compactly: prompts (question, choices) and SFT targets."""
    texts = [prompt_of(item, instruction)[0]["content"][1]["text"] for item in items]
    texts += [sft_completion(traces.get(item.id, ""), item.answer) for item in items]
    return texts + ["system", "user", "assistant"]


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


def method_rewards(method: str, grpo: GRPOConfig, tokenizer) -> tuple[list, list[float]]:
    """The reward functions and weights of one GRPO variant: the components ``METHODS[method]`` switches on."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    weights = {name: (getattr(grpo.weights, name) if name in METHODS[method] else 0.0) for name in METHODS["cesar"]}
    return cesar_reward_funcs(weights, tokenizer=tokenizer, L_max=grpo.L_max)


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
