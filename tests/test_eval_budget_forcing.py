"""Budget forcing: the thinking never exceeds L, the answer is always forced, L = 0 has no reasoning."""

import numpy as np
import pytest

from replication.eval.budget_forcing import budget_forced_curve, budget_forced_generate, cut_at_stop
from replication.eval.cesar_scaling import scaling_summary
from replication.models.omni import ThinkerSize, build_processor, build_thinker
from replication.rewards.cesar import split_completion

SMALL = ThinkerSize(hidden_size=32, num_layers=1, num_heads=4, num_kv_heads=2, intermediate_size=64,
                    audio_d_model=32, audio_layers=1, audio_heads=2)


@pytest.mark.parametrize("ids, stops, limit, expected", [
    ([5, 6, 2, 7], [2], 10, [5, 6]),  # cut at the first stop token
    ([5, 6, 7], [2], 2, [5, 6]),  # cut at the limit
    ([2, 5], [2], 5, []),  # the model closes the thinking at once
    ([5, 6, 0, 0], [0, 2], 4, [5, 6]),  # generate() pads finished rows with pad (a stop too)
    ([], [2], 3, []),
    ([5, 6, 7], [2], 0, []),  # L = 0
])
def test_cut_at_stop(ids, stops, limit, expected):
    assert cut_at_stop(ids, stops, limit) == expected


@pytest.fixture(scope="module")
def tiny():
    processor = build_processor(["higher or lower <think> x </think><answer> y </answer>", "user"], 300, 1)
    model = build_thinker(processor, SMALL, seed=0)
    prompts = [[{"role": "user", "content": [{"type": "audio"}, {"type": "text", "text": f"question {i}"}]}]
               for i in range(3)]
    audios = [np.sin(np.arange(4000 * (i + 1)) * 0.05 * (i + 1)).astype(np.float32) for i in range(2)] + [
        np.zeros(16000, np.float32)]
    return model, processor, prompts, audios


@pytest.mark.parametrize("budget", [0, 1, 9])
def test_budget_forcing_never_exceeds_the_budget(tiny, budget):
    model, processor, prompts, audios = tiny
    outputs = budget_forced_generate(model, processor, prompts, audios, budget, answer_tokens=3, batch_size=2)
    assert len(outputs) == len(prompts)
    for out in outputs:
        assert 0 <= out.reasoning_tokens <= budget
        assert out.text.startswith("<think>") and out.text.endswith("</answer>")
        think, answer = split_completion(out.text)
        assert "</think><answer>" in out.text and answer is not None  # the answer is always forced
        if budget == 0:
            assert out.text.startswith("<think></think><answer>")


def test_random_model_uses_the_whole_budget_when_it_never_closes_the_thinking(tiny):
    model, processor, prompts, audios = tiny
    # A random model almost never emits </think> within 5 tokens; the count then equals L exactly.
    outputs = budget_forced_generate(model, processor, prompts, audios, 5, answer_tokens=2, batch_size=3)
    assert max(out.reasoning_tokens for out in outputs) == 5


def test_budget_forcing_is_deterministic_and_batch_size_free(tiny):
    model, processor, prompts, audios = tiny
    a = budget_forced_generate(model, processor, prompts, audios, 6, answer_tokens=3, batch_size=3)
    b = budget_forced_generate(model, processor, prompts, audios, 6, answer_tokens=3, batch_size=2)
    assert [o.text for o in a] == [o.text for o in b]


def test_invalid_arguments_raise(tiny):
    model, processor, prompts, audios = tiny
    with pytest.raises(ValueError):
        budget_forced_generate(model, processor, prompts, audios, -1, answer_tokens=3)
    with pytest.raises(ValueError):
        budget_forced_generate(model, processor, prompts, audios[:2], 3, answer_tokens=3)


def test_scaling_summary_on_hand_rows():
    rows = [{"budget": 0, "avg_tokens": 0.0, "total": 50.0, "drift": 0.0},
            {"budget": 10, "avg_tokens": 8.0, "total": 54.0, "drift": 5.0},
            {"budget": 20, "avg_tokens": 16.0, "total": 52.0, "drift": 10.0}]
    summary = scaling_summary(rows)
    # x = 0, 8, 16 (mean 8), y = 50, 54, 52 (mean 52): b = (-8*-2 + 0 + 8*0) / (64 + 64) = 0.125
    assert summary["slope"] == pytest.approx(0.125)
    assert summary["slope_no_zero"] == pytest.approx(-0.25)  # (54 -> 52) over 8 tokens
    assert summary["sweet_spot_budget"] == 10 and summary["sweet_spot_accuracy"] == 54.0
    assert summary["no_think"] == 50.0 and summary["think"] == 52.0 and summary["slope_defined"] == 1.0
    assert summary["think_tokens"] == 16.0 and summary["think_drift"] == 10.0


def test_scaling_summary_needs_the_no_reasoning_mode_and_flags_flat_token_counts():
    with pytest.raises(ValueError, match="include 0"):
        scaling_summary([{"budget": 5, "avg_tokens": 1.0, "total": 1.0, "drift": 0.0},
                         {"budget": 9, "avg_tokens": 2.0, "total": 1.0, "drift": 0.0}])
    flat = scaling_summary([{"budget": 0, "avg_tokens": 0.0, "total": 40.0, "drift": 0.0},
                            {"budget": 8, "avg_tokens": 0.0, "total": 45.0, "drift": 0.0}])
    assert flat["slope_defined"] == 0.0 and flat["slope"] == 0.0


def test_one_thinking_pass_serves_every_budget(tiny):
    model, processor, prompts, audios = tiny
    curve = budget_forced_curve(model, processor, prompts, audios, [0, 3, 7], answer_tokens=2, batch_size=3)
    for budget in (0, 3, 7):  # greedy: each budget's completions are what a run with that budget alone gives
        single = budget_forced_generate(model, processor, prompts, audios, budget, answer_tokens=2, batch_size=3)
        assert [o.text for o in curve[budget]] == [o.text for o in single]
    longest = [split_completion(o.text)[0] for o in curve[7]]
    assert all(longest[i].startswith(split_completion(o.text)[0]) for i, o in enumerate(curve[3]))


def test_sampled_thinking_is_seeded_and_every_budget_reads_the_same_sample(tiny):
    import torch

    model, processor, prompts, audios = tiny
    runs = []
    for _ in range(2):
        torch.manual_seed(5)
        runs.append(budget_forced_curve(model, processor, prompts, audios, [2, 6], 2, 3, temperature=1.0))
    assert [o.text for o in runs[0][6]] == [o.text for o in runs[1][6]]
    for short, long in zip(runs[0][2], runs[0][6]):
        assert split_completion(long.text)[0].startswith(split_completion(short.text)[0])


@pytest.mark.parametrize("pieces, expected", [
    (["a", "b", "</", "think", ">", "c"], ["a", "b"]),  # the tag spelled in pieces is cut with what follows
    (["a", "</think>"], ["a"]),
    (["a", "b", "</", "thi"], ["a", "b"]),  # a tag begun at the budget's end is dropped too
    (["a", "<", "b"], ["a", "<", "b"]),  # a bare "<" that no tag continues is kept
    (["x <answ", "er>"], []),
    ([], []),
])
def test_trim_tag_text(pieces, expected):
    from replication.eval.budget_forcing import trim_tag_text

    assert trim_tag_text(pieces, "".join, ["<think>", "</think>", "<answer>", "</answer>"]) == expected


def test_budget_forcing_with_tags_spelled_in_several_tokens(tiny):
    """Qwen's vocabulary has no single token for the tags: stop strings and trimming replace stop ids."""
    from replication.models.omni import OmniAudioProcessor, train_tokenizer

    _, processor, prompts, audios = tiny
    tokenizer = train_tokenizer(["higher or lower <think> x </think><answer> y </answer>", "user"], 300,
                                format_tokens=False)
    assert len(tokenizer.encode("</think>", add_special_tokens=False)) > 1
    spelled = OmniAudioProcessor(processor.feature_extractor, tokenizer, chat_template=processor.chat_template)
    model = build_thinker(spelled, SMALL, seed=0)
    for budget in (0, 6):
        for out in budget_forced_generate(model, spelled, prompts, audios, budget, answer_tokens=3, batch_size=3):
            assert out.reasoning_tokens <= budget
            think, answer = split_completion(out.text)
            assert answer is not None and "<think>" not in think and "</think>" not in think
