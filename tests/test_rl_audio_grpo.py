"""AudioGRPOTrainer: one GRPO step on a toy Thinker with audio, audio reaching every forward, loud refusals."""

import numpy as np
import pytest
import soundfile
import torch
from datasets import Dataset
from trl import GRPOConfig

from replication.configs.cesar import METHODS, RewardWeights
from replication.models.omni import ThinkerSize, build_processor, build_thinker, save_omni
from replication.rl.audio_grpo import AudioGRPOTrainer, audio_prompt, load_audio

SMALL = ThinkerSize(hidden_size=32, num_layers=1, num_heads=4, num_kv_heads=2, intermediate_size=64,
                    audio_d_model=32, audio_layers=1, audio_heads=2)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("grpo")
    processor = build_processor(["higher or lower <think> x </think><answer> higher </answer>", "user"], 300, 1)
    save_omni(build_thinker(processor, SMALL, seed=0), processor, root / "model")
    rows = []
    for i in range(2):
        path = root / f"clip{i}.wav"
        soundfile.write(path, (0.3 * np.sin(np.arange(8000 * (i + 1)) * 0.05 * (i + 1))).astype(np.float32), 16000)
        rows.append({"prompt": audio_prompt("Higher or lower?", ["higher", "lower"], "Think, then answer."),
                     "audio": str(path), "answer": "higher"})
    return root, processor, Dataset.from_list(rows)


def _length_reward(completions, **kwargs):
    # any text-dependent score: random completions of one prompt then (almost surely) differ, so advantages != 0
    return [float(sum(map(ord, c[0]["content"])) % 7) for c in completions]


def _args(root, **overrides):
    values = dict(output_dir=str(root / "out"), per_device_train_batch_size=4, num_generations=4,
                  max_completion_length=6, max_steps=1, learning_rate=1e-2, beta=0.04, logging_steps=1,
                  report_to="none", save_strategy="no", use_cpu=True, seed=0, bf16=False,
                  gradient_checkpointing=False, disable_tqdm=True)
    values.update(overrides)
    return GRPOConfig(**values)


def test_one_step_trains_and_feeds_audio_to_policy_and_reference(setup):
    root, processor, dataset = setup
    trainer = AudioGRPOTrainer(model=str(root / "model"), reward_funcs=[_length_reward], args=_args(root),
                               train_dataset=dataset, processing_class=processor)
    calls = {"policy": 0, "reference": 0}
    trainer.model.model.audio_tower.register_forward_hook(lambda *a: calls.__setitem__("policy", calls["policy"] + 1))
    trainer.ref_model.model.audio_tower.register_forward_hook(
        lambda *a: calls.__setitem__("reference", calls["reference"] + 1))
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.train()
    assert calls["policy"] >= 2  # generation + the loss's forward
    assert calls["reference"] >= 1  # the reference log-probs of the KL term
    changed = sum(not torch.equal(a, b) for a, b in zip(before, trainer.model.parameters()))
    assert changed > 0
    assert audio_token_is_suppressed(trainer, processor)


def audio_token_is_suppressed(trainer, processor):
    return processor.tokenizer.audio_token_id in trainer.generation_config.suppress_tokens


def test_unsupported_options_raise(setup):
    root, processor, dataset = setup
    with pytest.raises(ValueError, match="tools"):
        AudioGRPOTrainer(model=str(root / "model"), reward_funcs=[_length_reward], args=_args(root),
                         train_dataset=dataset, processing_class=processor, tools=[lambda x: x])
    with pytest.raises(ValueError, match="feature_extractor"):
        AudioGRPOTrainer(model=str(root / "model"), reward_funcs=[_length_reward], args=_args(root),
                         train_dataset=dataset, processing_class=processor.tokenizer)


def test_rows_without_audio_fail_loudly(setup):
    root, processor, dataset = setup
    trainer = AudioGRPOTrainer(model=str(root / "model"), reward_funcs=[_length_reward], args=_args(root),
                               train_dataset=dataset.remove_columns("audio"), processing_class=processor)
    with pytest.raises(KeyError, match="audio"):
        trainer.train()


def test_load_audio_accepts_arrays_and_refuses_stereo(tmp_path):
    assert load_audio([0.0, 0.5]).dtype == np.float32
    with pytest.raises(ValueError, match="mono"):
        load_audio(np.zeros((2, 10)))
    soundfile.write(tmp_path / "x.wav", np.zeros(80, np.float32), 8000)
    with pytest.raises(ValueError, match="16000"):
        load_audio(str(tmp_path / "x.wav"))


def test_audio_prompt_lists_the_choices():
    prompt = audio_prompt("Which?", ["a dog", "a cat"], "Answer.")
    assert prompt[0]["content"][0] == {"type": "audio"}
    assert prompt[0]["content"][1]["text"] == "Which? Please choose the answer from the following options: a dog; a cat. Answer."


@pytest.mark.parametrize("method, trained", [
    ("outcome", ["accuracy_reward", "format_reward"]),
    ("cesar", ["accuracy_reward", "format_reward", "consistency_reward", "keyword_reward", "overthinking_reward"]),
    ("cesar_no_overthinking", ["accuracy_reward", "format_reward", "consistency_reward", "keyword_reward"]),
    ("cesar_no_consistency", ["accuracy_reward", "format_reward", "keyword_reward", "overthinking_reward"]),
    ("cesar_no_consistency_keywords", ["accuracy_reward", "format_reward", "overthinking_reward"]),
])
def test_method_reward_sets(method, trained):
    from replication.configs.cesar import GRPOConfig as CesarGRPO
    from replication.rl.cesar_setup import method_rewards

    grpo = CesarGRPO(steps=1, prompts_per_step=1, num_generations=2, max_completion_length=8, temperature=1.0,
                     lr=1e-3, beta=0.0, L_max=7, instruction="x", difficulties=[],
                     weights=RewardWeights(accuracy=5.0, format=1.0, consistency=2.0, keywords=3.0, overthinking=4.0))
    funcs, weights = method_rewards(method, grpo, tokenizer=None)
    # every component and the drift diagnostic are logged; only the method's components carry weight
    assert [f.__name__ for f in funcs] == ["accuracy_reward", "format_reward", "consistency_reward", "keyword_reward",
                                           "overthinking_reward", "drift"]
    by_name = {"accuracy_reward": 5.0, "format_reward": 1.0, "consistency_reward": 2.0, "keyword_reward": 3.0,
               "overthinking_reward": 4.0}
    assert weights == [by_name[f.__name__] if f.__name__ in trained else 0.0 for f in funcs]
    assert set(METHODS) >= {method} and funcs[4].L_max == 7


def test_rl_prompts_keep_the_chosen_difficulties_and_refuse_an_empty_choice():
    from replication.data.audio_qa.loaders import AudioQAItem
    from replication.rl.cesar_setup import rl_prompts

    items = [AudioQAItem(id=str(i), audio_path=None, question="q", choices=("a", "b"), answer="a", task="sound",
                         difficulty=d, category="", sub_category="", dataset="", split="train")
             for i, d in enumerate(["easy", "hard", "medium", "hard"])]
    assert [item.id for item in rl_prompts(items, ["easy", "medium"])] == ["0", "2"]
    assert rl_prompts(items, []) == items  # empty: every item (AVQA has no difficulty labels)
    with pytest.raises(ValueError, match="no training item has a difficulty in grpo.difficulties"):
        rl_prompts(items[1:2], ["easy"])


def test_drift_diagnostic_reads_the_thinking_only():
    from replication.rl.cesar_setup import drift

    assert drift(["<think>maybe a faint beep</think><answer>2</answer>", "<think>beep</think><answer>maybe</answer>",
                  [{"role": "assistant", "content": "<think>a hiss outside</think><answer>1</answer>"}]]) == [
        1.0, 0.0, 1.0]
