"""CESAR rewards: a case table per reward (one comment per case), weighting, pickling, and hypothesis fuzzing."""

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replication.rewards.cesar import (
    COMPONENTS,
    CesarReward,
    OverthinkingReward,
    accuracy_reward,
    cesar_reward_funcs,
    completion_text,
    concept_similarity,
    consistency_reward,
    format_completion,
    format_reward,
    keyword_reward,
    overthinking_reward,
    resolve_weights,
    split_completion,
)

CHOICES = ["The first word", "The second word", "Both are equally long", "No word is spoken"]
GOOD = "<think>First I count the syllables: 3 then 2, therefore the first word is longer.</think><answer>The first word</answer>"


def chat(text):
    return [{"role": "assistant", "content": text}]


ACCURACY_CASES = [
    # well-formed and right
    (GOOD, "The first word", 1.0),
    # well-formed, wrong choice
    ("<think>x</think><answer>The second word</answer>", "The first word", 0.0),
    # answer names two choices: MMAU's rule says wrong
    ("<think>x</think><answer>first word or second word</answer>", "The first word", 0.0),
    # correct words in the reasoning but no <answer> block: no answer, 0
    ("<think>The first word</think>", "The first word", 0.0),
    # bare string without tags: no answer, 0
    ("The first word", "The first word", 0.0),
    # unclosed answer tag: 0
    ("<think>x</think><answer>The first word", "The first word", 0.0),
    # reversed answer tags: 0
    ("<think>x</think></answer>The first word<answer>", "The first word", 0.0),
    # repeated answer blocks: the last one is the answer
    ("<answer>The second word</answer><answer>The first word</answer>", "The first word", 1.0),
    # missing think does not matter to accuracy (format_reward handles it)
    ("<answer>the FIRST word.</answer>", "The first word", 1.0),
    # empty answer block: 0
    ("<think>x</think><answer> </answer>", "The first word", 0.0),
]


@pytest.mark.parametrize("completion,answer,expected", ACCURACY_CASES)
def test_accuracy_reward_cases(completion, answer, expected):
    assert accuracy_reward([completion], answer=[answer], choices=[CHOICES]) == [expected]
    assert accuracy_reward([chat(completion)], answer=[answer], choices=[CHOICES]) == [expected]


def test_accuracy_without_choices_compares_words():
    # no choices: equal word tokens, case and punctuation ignored
    assert accuracy_reward(["<answer>A man.</answer>", "<answer>man</answer>"], answer="a man") == [1.0, 0.0]


def test_accuracy_needs_answer_and_aligned_columns():
    with pytest.raises(ValueError):
        accuracy_reward(["<answer>x</answer>"])
    with pytest.raises(ValueError):
        accuracy_reward(["a", "b"], answer=["x", "y", "z"])


FORMAT_CASES = [
    # the exact format
    ("<think>reasoning</think><answer>B</answer>", 1.0),
    # whitespace and newlines between and around the blocks are allowed
    ("\n<think>\nreasoning\n</think>\n<answer> B </answer>\n", 1.0),
    # empty reasoning is allowed (the L = 0 no-reasoning mode)
    ("<think></think><answer>B</answer>", 1.0),
    # empty answer is not
    ("<think>r</think><answer></answer>", 0.0),
    # no think block
    ("<answer>B</answer>", 0.0),
    # no tags at all
    ("B", 0.0),
    # empty string
    ("", 0.0),
    # think block repeated
    ("<think>a</think><think>b</think><answer>B</answer>", 0.0),
    # nested think
    ("<think>a<think>b</think></think><answer>B</answer>", 0.0),
    # blocks reversed
    ("<answer>B</answer><think>r</think>", 0.0),
    # text before the think block
    ("Sure! <think>r</think><answer>B</answer>", 0.0),
    # text after the answer block
    ("<think>r</think><answer>B</answer> done", 0.0),
    # text between the blocks
    ("<think>r</think> so <answer>B</answer>", 0.0),
    # answer tag inside the reasoning
    ("<think>r <answer></think><answer>B</answer>", 0.0),
    # unclosed think
    ("<think>r<answer>B</answer>", 0.0),
]


@pytest.mark.parametrize("completion,expected", FORMAT_CASES)
def test_format_reward_cases(completion, expected):
    assert format_reward([completion]) == [expected]
    assert format_reward([chat(completion)]) == [expected]


SIMILARITY_CASES = [
    # identical concept sets
    ("pitch rises", "the pitch rises", 1.0),
    # one shared concept out of max(2, 2)
    ("the pitch rises", "a rising pitch", 0.5),
    # disjoint
    ("tempo", "vowel", 0.0),
    # both empty (stop words only): 0, not a division by zero
    ("the of a", "and the", 0.0),
    # one empty
    ("", "pitch", 0.0),
    # case-insensitive, normalised by the larger set: {pitch} vs {pitch, tempo, vowel, noise}
    ("PITCH", "pitch tempo vowel noise", 0.25),
]


@pytest.mark.parametrize("x,y,expected", SIMILARITY_CASES)
def test_concept_similarity_cases(x, y, expected):
    assert concept_similarity(x, y) == pytest.approx(expected)
    assert concept_similarity(y, x) == pytest.approx(expected)


QUESTION = "Which word has more syllables?"
CONSISTENCY_CASES = [
    # reasoning {word, syllables, first} vs answer {first, word}: 2/3;
    # vs Q = {word, syllables, first, second, equally, long, spoken}: 3/7; mean of the two
    ("<think>word syllables first</think><answer>The first word</answer>", (2 / 3 + 3 / 7) / 2),
    # reasoning unrelated to both: 0
    ("<think>banana</think><answer>The first word</answer>", 0.0),
    # empty reasoning: 0
    ("<think></think><answer>The first word</answer>", 0.0),
    # no answer block: Sim(t, ŷ) = 0, only the question part counts: {word, first} vs Q: 2/7, halved
    ("word first", (2 / 7) / 2),
]


@pytest.mark.parametrize("completion,expected", CONSISTENCY_CASES)
def test_consistency_reward_cases(completion, expected):
    assert consistency_reward([completion], question=[QUESTION], choices=[CHOICES]) == [pytest.approx(expected)]


KEYWORD_CASES = [
    # no reasoning: 0
    ("<think></think><answer>B</answer>", 0.0),
    # no lexicon words at all
    ("<think>banana apple</think><answer>B</answer>", 0.0),
    # pattern: first, compare (2/2 = 1); logic: therefore, because (2/2); domain: pitch, tempo, timbre (3/3)
    ("<think>First compare the pitch, tempo and timbre; because it is high, therefore B.</think><answer>B</answer>",
     1.0),
    # domain only, one term: (0 + 0 + 1/3) / 3
    ("<think>the pitch</think><answer>B</answer>", (1 / 3) / 3),
    # repeating one word does not count twice
    ("<think>pitch pitch pitch pitch</think><answer>B</answer>", (1 / 3) / 3),
    # multi-word logic entry "based on" (1/2), not matched across other words ("based solely on" alone is 0)
    ("<think>based on</think>", (1 / 2) / 3),
    ("<think>based solely on</think>", 0.0),
    # gapped entry "if ... then" in one sentence: logic "if ... then" (1/2) and pattern "then" (1/2)
    ("<think>if high then B</think>", (1 / 2 + 1 / 2) / 3),
    # words of the answer are not read
    ("<think>x</think><answer>pitch tempo timbre</answer>", 0.0),
]


@pytest.mark.parametrize("completion,expected", KEYWORD_CASES)
def test_keyword_reward_cases(completion, expected):
    assert keyword_reward([completion]) == [pytest.approx(expected)]


OVERTHINKING_CASES = [
    # 0 words of reasoning: 1
    ("<think></think><answer>B</answer>", 4, 1.0),
    # 3 words of 4: 1 - 3/4
    ("<think>one two three</think><answer>B</answer>", 4, 0.25),
    # exactly L_max words: 0
    ("<think>a b c d</think><answer>B</answer>", 4, 0.0),
    # over L_max: clipped at 0
    ("<think>a b c d e f g</think><answer>B</answer>", 4, 0.0),
    # no tags: the whole bare string is reasoning (2 words)
    ("two words", 4, 0.5),
    # unclosed think: reasoning runs to <answer>
    ("<think>a b<answer>B</answer>", 4, 0.5),
]


@pytest.mark.parametrize("completion,limit,expected", OVERTHINKING_CASES)
def test_overthinking_reward_cases(completion, limit, expected):
    assert OverthinkingReward(L_max=limit)([completion]) == [pytest.approx(expected)]
    assert overthinking_reward([completion], L_max=limit) == [pytest.approx(expected)]


def test_overthinking_default_is_paper_256():
    text = "<think>" + "word " * 128 + "</think><answer>B</answer>"
    assert overthinking_reward([text]) == [pytest.approx(0.5)]


def _word_level_tokenizer():
    """A real transformers tokenizer that splits punctuation off words (so it counts differently from split())."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.WordLevel({"[UNK]": 0, "pitch": 1, ",": 2, "rises": 3}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]")


def test_overthinking_counts_policy_tokens_with_a_tokenizer():
    reward = OverthinkingReward(tokenizer=_word_level_tokenizer(), L_max=4)
    # "pitch, rises": 2 whitespace words but 3 tokens (pitch / , / rises)
    assert reward(["<think>pitch, rises</think><answer>B</answer>"]) == [pytest.approx(0.25)]
    assert OverthinkingReward(L_max=4)(["<think>pitch, rises</think><answer>B</answer>"]) == [pytest.approx(0.5)]
    # survives pickling with its tokenizer, as TRL's worker processes need
    assert pickle.loads(pickle.dumps(reward))(["<think>pitch</think><answer>B</answer>"]) == [pytest.approx(0.75)]


def test_overthinking_rejects_non_positive_limit():
    with pytest.raises(ValueError):
        OverthinkingReward(L_max=0)


def test_completion_text_forms():
    # a string, a message list (last assistant message), a single message, multimodal parts, garbage
    assert completion_text("x") == "x"
    assert completion_text([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]) == "a"
    assert completion_text({"role": "assistant", "content": "m"}) == "m"
    assert completion_text([{"role": "assistant", "content": [{"type": "text", "text": "p"}]}]) == "p"
    assert completion_text(None) == "" and completion_text(42) == "" and completion_text([]) == ""


def test_split_completion():
    # format_completion and split_completion are inverse on well-formed text
    assert split_completion(format_completion("pitch rises", "B")) == ("pitch rises", "B")
    assert format_reward([format_completion("", "B")]) == [1.0]
    assert split_completion(GOOD)[1] == "The first word"
    assert split_completion("plain words") == ("plain words", None)


def test_weights_and_combination():
    assert resolve_weights(None) == {"accuracy": 5.0, "format": 1.0, "consistency": 1.0, "keywords": 1.0,
                                     "overthinking": 1.0}
    assert resolve_weights([1, 2, 3, 4, 5])["overthinking"] == 5.0
    with pytest.raises(ValueError):
        resolve_weights({"accuracy": 1, "length": 1})
    with pytest.raises(ValueError):
        resolve_weights([1, 2])
    # outcome-only ablation keeps two functions
    funcs, weights = cesar_reward_funcs({"accuracy": 5, "format": 1})
    assert [f.__name__ for f in funcs] == ["accuracy_reward", "format_reward"] and weights == [5.0, 1.0]
    # the weighted sum equals the hand sum of the components
    kwargs = {"answer": ["The first word"], "choices": [CHOICES], "question": [QUESTION]}
    parts = [f([GOOD], **kwargs)[0] for f in cesar_reward_funcs()[0]]
    total = CesarReward()([GOOD], **kwargs)[0]
    assert total == pytest.approx(sum(w * p for w, p in zip([5, 1, 1, 1, 1], parts)))
    assert len(parts) == len(COMPONENTS) and parts[0] == 1.0 and parts[1] == 1.0
    assert pickle.loads(pickle.dumps(CesarReward()))([GOOD], **kwargs)[0] == pytest.approx(total)


# ------------------------------------------------------------------------------------------------------------
# Fuzzing: arbitrary, malformed completions never raise and stay in [0, 1]

TAG = st.sampled_from(["<think>", "</think>", "<answer>", "</answer>", "<think", "answer>", " ", "\n"])
WORD = st.sampled_from(["pitch", "because", "first", "The first word", "tempo", "é", "音", "", "…", "based on"])
TEXT = st.lists(st.one_of(TAG, WORD, st.text(max_size=20)), max_size=40).map("".join)
COMPLETION = st.one_of(
    TEXT,
    TEXT.map(chat),
    st.none(),
    st.integers(),
    st.lists(st.dictionaries(st.sampled_from(["role", "content"]), st.one_of(TEXT, st.none(), st.integers()))),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(COMPLETION, min_size=1, max_size=4))
def test_rewards_never_raise_and_stay_in_range(completions):
    n = len(completions)
    kwargs = {"answer": ["The first word"] * n, "choices": [CHOICES] * n, "question": [QUESTION] * n}
    for func in (accuracy_reward, format_reward, consistency_reward, keyword_reward, overthinking_reward):
        values = func(completions, **kwargs)
        assert len(values) == n
        assert all(0.0 <= v <= 1.0 for v in values), (func, values)
    total = CesarReward()(completions, **kwargs)
    assert all(0.0 <= v <= 9.0 for v in total)


def test_huge_completion_is_fine():
    huge = "<think>" + "pitch because first " * 50_000 + "</think><answer>The first word</answer>"
    assert overthinking_reward([huge]) == [0.0]
    assert keyword_reward([huge])[0] > 0
    assert format_reward([huge]) == [1.0]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)) | TEXT)
def test_fast_tokenizer_equals_the_regex(text):
    import re

    from replication.rewards.cesar import words

    assert words(text) == re.findall(r"\w+", text.lower())


def test_docstring_examples_hold():
    import doctest

    from replication.eval import mmau
    from replication.rewards import cesar

    for module in (cesar, mmau):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_process_rewards_separate_good_from_bad_reasoning_on_generated_traces():
    """On the testbed's traces: consistency scores grounded traces above drifted ones, and a trace with its own
    conclusion above the same trace with a wrong answer, by a clear margin; the keyword reward is spread out, never
    saturated by the template (issue 12, item 3)."""
    from replication.data.audio_qa import TraceModel
    from replication.data.audio_qa.corpus import generate_item, plan_split
    from replication.data.audio_qa.loaders import AudioQAItem, TraceRecord
    from replication.eval.reward_separation import reward_separation

    items, traces = [], {}
    for index, (task, difficulty) in enumerate(plan_split(240, seed=9)):
        raw, _, drawn = generate_item(9, "train", index, task, difficulty, TraceModel(), n_traces=3)
        items.append(AudioQAItem(id=raw["id"], audio_path=None, question=raw["question"], choices=tuple(raw["choices"]),
                                 answer=raw["answer"], task=task, difficulty=difficulty, category="", sub_category="",
                                 dataset="", split="train"))
        traces[raw["id"]] = TraceRecord(raw["sub-category"], raw["answer"], tuple(tuple(t) for t in drawn))
    s = reward_separation(items, traces)
    assert s["consistency_drift_margin"] > 0.08  # grounded above drifted, paired within items (0.125 measured)
    assert s["consistency_answer_margin"] > 0.04  # own conclusion above a wrong answer (0.061 measured)
    assert s["consistency_grounded"] > s["consistency_drifted"] and s["consistency_own_answer"] > s["consistency_wrong_answer"]
    assert s["keywords_saturated"] < 0.05 and s["keywords_sd"] > 0.1 and 0.2 < s["keywords_mean"] < 0.8
