"""The ADRPO LLM experiment's task pieces: digit-sum task and reward, GSM8K checker and loader, tokenizer and
tiny Qwen models (and the paper profile's loading path on checkpoints saved locally), SFT, metric rows, probe."""

from __future__ import annotations

import json
import math

import pytest
import torch
from transformers import Qwen2ForCausalLM, Qwen3ForCausalLM

from replication.data import digit_sum_task as task
from replication.data import gsm8k
from replication.eval.policy_probe import probe_policy, scoring_chunk_size, token_entropy_and_kl
from replication.models.sft import sft_config, supervised_finetune
from replication.models.tiny_lm import (
    build_char_tokenizer,
    load_pretrained_lm,
    paper_checkpoint,
    save_lm,
    tiny_qwen,
)
from replication.rewards.digit_sum import DigitSumReward, chance_reward, digit_sum_solved
from replication.rewards.gsm8k import gsm8k_accuracy
from replication.rl.metrics_csv import metrics_row
from replication.rl.probe_callback import probe_row

# ---- digit-sum task --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "completion, correct",
    [
        ("4823", True),  # 4 + 8 + 2 + 3 = 17
        (" 9800 ", True),  # surrounding whitespace is ignored
        ("4822", False),  # sums to 16
        ("0998", False),  # leading zero: not a 4-digit number
        ("48230", False),  # five digits
        ("48a3", False),  # not a number
        ("", False),
    ],
)
def test_digit_sum_checker(completion, correct):
    assert task.is_correct(completion, 17, 4) is correct


def test_solution_counts_match_hand_counts():
    assert task.solutions(1, 4) == ("1000",)
    assert task.solutions(36, 4) == ("9999",)
    assert len(task.solutions(2, 3)) == 3  # 101, 110, 200
    assert all(task.is_correct(s, 17, 4) for s in task.solutions(17, 4))


def test_goals_cover_every_feasible_target_and_impossible_ones_are_refused():
    goals = task.all_goals([2, 3])
    assert len(goals) == 18 + 27 and goals[0] == (1, 2) and goals[-1] == (27, 3)
    with pytest.raises(ValueError, match="have no answer"):
        task.prompt_dataset([(17, 4), (40, 4)], 1)
    with pytest.raises(ValueError, match="must not repeat"):
        task.all_goals([2, 2])


def test_prompt_rows_carry_the_reward_columns():
    rows = task.prompt_dataset([(3, 2), (17, 4)], repeats=2)
    assert rows["prompt"] == ["3/2=", "17/4=", "3/2=", "17/4="]
    assert rows["target"] == [3, 17, 3, 17] and rows["num_digits"] == [2, 4, 2, 4]


def test_sft_answers_are_correct_and_varied():
    rows = task.sft_dataset([(12, 4), (17, 4)], 30, seed=0)
    assert all(task.is_correct(r["completion"], int(r["prompt"].split("/")[0]), 4) for r in rows)
    assert len({r["completion"] for r in rows}) > 40  # drawn from hundreds of answers, few repeats
    assert rows.to_list() == task.sft_dataset([(12, 4), (17, 4)], 30, seed=0).to_list()  # seeded


def test_chance_levels_by_hand():
    # 2-digit numbers 10..99 (90 of them): sum 3 -> 12, 21, 30; sum 18 -> 99 only
    assert task.chance_solve_rate(3, 2) == pytest.approx(3 / 90)
    assert task.chance_solve_rate(18, 2) == pytest.approx(1 / 90)
    # tiers at easy reward 0.5: 21 and 30 are non-increasing (1.0), 12 is not (0.5)
    assert chance_reward(3, 2, 0.5) == pytest.approx((1 + 1 + 0.5) / 90)
    assert chance_reward(3, 2, 1.0) == pytest.approx(task.chance_solve_rate(3, 2))  # plain exact reward
    # 3-digit sum 1: only 100 (non-increasing)
    assert chance_reward(1, 3, 0.5) == pytest.approx(1 / 900)


@pytest.mark.parametrize(
    "completion, target, digits, expected",
    [
        ("9710", 17, 4, 1.0),  # correct, non-increasing digits: the top tier
        ("4823", 17, 4, 0.5),  # correct, digits out of order: the easy tier
        ("8810", 17, 4, 1.0),  # ties count as non-increasing
        ("4822", 17, 4, 0.0),  # wrong sum
        ("0998", 26, 4, 0.0),  # leading zero: malformed, even though the digits sum to 26
        ("971", 17, 4, 0.0),  # wrong length
        ("97a0", 17, 4, 0.0),  # not a number
        (" 30 ", 3, 2, 1.0),  # surrounding whitespace is ignored
        ("12", 3, 2, 0.5),
    ],
)
def test_tiered_digit_sum_reward(completion, target, digits, expected):
    assert DigitSumReward(easy_reward=0.5)([completion], target=[target], num_digits=[digits]) == [expected]


def test_solved_counts_both_tiers_and_the_reward_is_picklable():
    import pickle

    assert digit_sum_solved(["9710", "4823", "4822"], target=[17] * 3, num_digits=[4] * 3) == [True, True, False]
    reward = pickle.loads(pickle.dumps(DigitSumReward(easy_reward=0.25)))
    assert reward(["4823"], target=[17], num_digits=[4]) == [0.25]
    assert DigitSumReward(easy_reward=1.0)(["4823"], target=[17], num_digits=[4]) == [1.0]  # plain exact reward
    with pytest.raises(ValueError, match="easy_reward"):
        DigitSumReward(easy_reward=1.5)


def test_build_task_probes_every_goal_with_its_chance_level():
    from replication.configs.adrpo_llm import TaskConfig
    from replication.rl.llm_task import build_task

    config = TaskConfig(name="digit_sum", digit_counts=[2], easy_reward=0.5, gsm8k_data_files="", probe_prompts=18)
    built = build_task(config, build_char_tokenizer(), prompts_needed=40)
    assert len(built.probe_prompts) == 18 and built.probe_prompts[2] == "3/2="
    assert len(built.train_dataset) >= 40
    # mean over s = 1..18 of |solutions(s, 2)| / 90: the 90 numbers spread over the 18 sums, so 1/18
    assert built.chance_solved == pytest.approx(1 / 18)
    assert built.probe_reward_kwargs["num_digits"] == [2] * 18


# ---- GSM8K -----------------------------------------------------------------------------------------------------

GSM8K_ROWS = [  # written here in GSM8K's format
    {"question": "Tom has 3 apples and buys 4 more. How many apples?", "answer": "3 + 4 = <<3+4=7>>7\n#### 7"},
    {"question": "A shop sells 1,000 pens a day. How many in 2 days?", "answer": "1000*2=2000\n#### 2,000"},
]


@pytest.mark.parametrize(
    "completion, answer, correct",
    [
        ("3 + 4 = 7\n#### 7", "7", True),
        ("The answer is 7.", "7", True),  # no '####': the last number counts
        ("#### 2,000", "2000", True),  # commas dropped
        ("#### 7.00", "7", True),  # compared as numbers
        ("7 apples, then 8\n#### 8", "7", False),  # the number after '####' wins
        ("#### 8 (not 7)", "7", False),  # the first number after '####'
        ("no idea", "7", False),
    ],
)
def test_gsm8k_checker(completion, answer, correct):
    assert gsm8k.is_correct(completion, answer) is correct


def test_gsm8k_reference_answer_and_prompts(tmp_path):
    path = tmp_path / "gsm8k.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in GSM8K_ROWS))
    prompts = gsm8k.to_prompts(gsm8k.load_gsm8k("test", data_files=path))
    assert prompts["answer"] == ["7", "2000"]
    assert prompts[0]["prompt"][0]["role"] == "user" and "Tom has 3 apples" in prompts[0]["prompt"][0]["content"]
    with pytest.raises(ValueError, match="####"):
        gsm8k.reference_answer("no final answer")
    assert gsm8k_accuracy(["#### 7", [{"role": "assistant", "content": "#### 2000"}]], answer=["7", "7"]) == [1.0, 0.0]


# ---- tokenizer and models ----------------------------------------------------------------------------------------


def test_char_tokenizer_round_trip():
    tokenizer = build_char_tokenizer()
    ids = tokenizer("17/4=4823" + tokenizer.eos_token)["input_ids"]
    assert len(ids) == 10 and ids[-1] == tokenizer.eos_token_id
    assert tokenizer.decode(ids, skip_special_tokens=True) == "17/4=4823"
    batch = tokenizer(["1/1=", "17/4="], padding=True)["input_ids"]
    assert batch[0][:1] == [tokenizer.pad_token_id]  # left padding, for batched generation


@pytest.mark.parametrize("architecture, model_class", [("qwen2", Qwen2ForCausalLM), ("qwen3", Qwen3ForCausalLM)])
def test_paper_loading_path_on_local_tiny_checkpoint(tmp_path, architecture, model_class):
    tokenizer = build_char_tokenizer()
    model = tiny_qwen(architecture, tokenizer, seed=5)
    assert model.config.hidden_size == 32 and model.config.num_hidden_layers == 2
    save_lm(model, tokenizer, tmp_path)
    loaded, loaded_tokenizer = load_pretrained_lm(tmp_path)  # the function the paper profile calls with a hub id
    assert isinstance(loaded, model_class)
    assert loaded_tokenizer("17/4=")["input_ids"] == tokenizer("17/4=")["input_ids"]
    ids = torch.tensor([tokenizer("17/4=")["input_ids"]])
    torch.testing.assert_close(loaded(ids).logits, model(ids).logits)
    assert torch.equal(tiny_qwen(architecture, tokenizer, seed=5).lm_head.weight, model.lm_head.weight)


def test_paper_checkpoints_and_unknown_architecture():
    assert paper_checkpoint("qwen2") == "Qwen/Qwen2-0.5B-Instruct"
    assert paper_checkpoint("qwen3") == "Qwen/Qwen3-0.6B"
    with pytest.raises(ValueError, match="allowed: qwen2, qwen3"):
        tiny_qwen("llama", build_char_tokenizer())


def test_sft_lowers_the_loss(tmp_path):
    tokenizer = build_char_tokenizer()
    model = tiny_qwen("qwen2", tokenizer, seed=0)
    data = task.sft_dataset([(15, 4), (17, 4)], 32, seed=0)
    supervised_finetune(model, tokenizer, data, sft_config(tmp_path, 12, 16, 3e-3, 0, 16), tmp_path / "sft.csv")
    lines = (tmp_path / "sft.csv").read_text().splitlines()
    assert lines[0] == "step,loss,learning_rate"
    first, last = float(lines[1].split(",")[1]), float(lines[-1].split(",")[1])
    assert last < first - 0.5  # from ~log(47) = 3.85 towards the digits' entropy


# ---- metrics -----------------------------------------------------------------------------------------------------


def test_metrics_row_fills_fixed_beta_and_leaves_missing_kl_empty():
    row = metrics_row(3, {"reward": 0.5, "entropy": 1.2, "loss": 0.1}, fixed_beta=0.2)
    assert row["step"] == 3 and row["reward"] == 0.5 and row["kl"] is None
    assert row["beta_eff_mean"] == 0.2 and row["beta_eff_q90"] == 0.2
    assert row["beta_eff_frac_clamped"] == 0.0 and row["beta_eff_frac_negative"] == 0.0
    adaptive = metrics_row(1, {"reward": 1.0, "kl": 0.2, "beta_eff/mean": 0.3, "beta_eff/q90": 0.5}, None)
    assert adaptive["beta_eff_mean"] == 0.3 and adaptive["beta_eff_q90"] == 0.5 and adaptive["kl"] == 0.2


def test_token_entropy_and_kl_hand_values():
    uniform = torch.zeros(1, 2, 4)  # (B, T, V): uniform over 4 tokens
    peaked = torch.tensor([[[math.log(7.0), 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]])  # p = (0.7, 0.1, 0.1, 0.1)
    mask = torch.tensor([[1, 0]])  # only the first position counts
    entropy, kl = token_entropy_and_kl(peaked, uniform, mask)
    p = [0.7, 0.1, 0.1, 0.1]
    assert entropy.item() == pytest.approx(-sum(q * math.log(q) for q in p), rel=1e-6)
    assert kl.item() == pytest.approx(sum(q * math.log(q * 4) for q in p), rel=1e-6)
    entropy, kl = token_entropy_and_kl(uniform, uniform, torch.ones(1, 2))
    assert entropy.item() == pytest.approx(math.log(4.0), rel=1e-6)
    assert kl.item() == 0.0


def test_probe_row_counts_solves_tiers_and_distinct_answers():
    completions = ["4823", "4823", "9800", "48", "1000", "1000"]
    rewards = [0.5, 0.5, 1.0, 0.0, 1.0, 1.0]
    solved = [True, True, True, False, True, True]
    row = probe_row(7, completions, rewards, solved, samples_per_prompt=3, entropy=1.0, kl=0.1)
    assert row["solved"] == pytest.approx(5 / 6)
    assert row["top"] == pytest.approx(3 / 6)
    assert row["distinct_solved"] == pytest.approx((2 + 1) / 6)  # {4823, 9800} and {1000}
    assert row["reward"] == pytest.approx(4.0 / 6)


def test_probe_of_a_model_against_itself_has_zero_kl_and_is_seeded():
    tokenizer = build_char_tokenizer()
    model = tiny_qwen("qwen3", tokenizer, seed=2)
    first = probe_policy(model, model, tokenizer, ["17/4=", "9/4="], 3, 5, seed=11)
    again = probe_policy(model, model, tokenizer, ["17/4=", "9/4="], 3, 5, seed=11)
    assert len(first.completions) == 6 and first.completions == again.completions
    assert first.kl == pytest.approx(0.0, abs=1e-12)
    assert 3.0 < first.entropy < math.log(len(tokenizer)) + 1e-6  # random init: close to uniform over 47 ids
    one_at_a_time = probe_policy(model, model, tokenizer, ["17/4=", "9/4="], 3, 5, seed=11, chunk_size=1)
    assert one_at_a_time.entropy == pytest.approx(first.entropy, rel=1e-6)  # chunking changes nothing


def test_scoring_chunks_fit_the_vocabulary():
    assert scoring_chunk_size(47, 5) == 2**24 // (47 * 6)  # a character vocabulary: a whole probe per pass
    assert scoring_chunk_size(151_936, 256) == 16  # a Qwen vocabulary: never fewer than 16 samples
