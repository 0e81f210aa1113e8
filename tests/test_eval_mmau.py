"""MMAU's string-match rule on hand-made cases, the scorer's breakdown, and the scaling slope."""

import pytest

from replication.eval.mmau import score, string_match
from replication.eval.scaling import scaling_slope, sweet_spot

SPEAKERS = ["Man", "Woman", "Child", "Robot"]
SHARED = ["The first word", "The second word", "Both words are equal", "There is one word"]

STRING_MATCH_CASES = [
    # exact answer
    ("Man", "Man", SPEAKERS, True),
    # case and punctuation are ignored; extra words that are no choice's words are fine
    ("Man", "The speaker is a MAN.", SPEAKERS, True),
    # naming another choice as well makes it wrong
    ("Man", "man or woman", SPEAKERS, False),
    # only the wrong choice
    ("Man", "Woman", SPEAKERS, False),
    # empty prediction is wrong
    ("Man", "", SPEAKERS, False),
    # punctuation only: no tokens, wrong
    ("Man", " ?! ", SPEAKERS, False),
    # words shared between choices ("the", "word") do not count against the answer
    ("The first word", "the first word", SHARED, True),
    # ... and the answer's own shared words are not needed twice: order does not matter
    ("The first word", "word first the", SHARED, True),
    # a token of another choice that the answer lacks ("second") makes it wrong
    ("The first word", "the first word, not the second", SHARED, False),
    # missing one answer token ("first") is wrong even without wrong tokens
    ("The first word", "the word", SHARED, False),
    # "one" is in a wrong choice only
    ("The first word", "first word is the one", SHARED, False),
    # a choice identical in tokens to the answer is not used against it
    ("major third", "Major third", ["major third", "Major Third", "minor third", "octave"], True),
    # shared word "third" is allowed, "minor" is not
    ("major third", "minor third", ["major third", "minor third", "fifth", "octave"], False),
    # \w+ splits hyphens: "well-known" -> well, known
    ("C-major", "c major", ["C-major", "A-minor", "G", "D"], True),
]


@pytest.mark.parametrize("answer,prediction,choices,expected", STRING_MATCH_CASES)
def test_string_match_cases(answer, prediction, choices, expected):
    assert string_match(answer, prediction, choices) is expected


def test_score_breakdown_by_task_and_difficulty():
    items = [
        {"id": "a", "answer": "Man", "choices": SPEAKERS, "task": "speech", "difficulty": "easy"},
        {"id": "b", "answer": "Woman", "choices": SPEAKERS, "task": "speech", "difficulty": "hard"},
        {"id": "c", "answer": "Child", "choices": SPEAKERS, "task": "sound", "difficulty": "easy"},
        {"id": "d", "answer": "Robot", "choices": SPEAKERS, "task": "music", "difficulty": "medium"},
    ]
    # a right, b wrong, c right, d missing (wrong)
    result = score(items, {"a": "man", "b": "child", "c": "a child"})
    assert result.total == pytest.approx(50.0)
    assert result.by_task == pytest.approx({"sound": 100.0, "music": 0.0, "speech": 50.0})
    assert list(result.by_task) == ["sound", "music", "speech"]
    assert result.by_difficulty == pytest.approx({"easy": 100.0, "medium": 0.0, "hard": 0.0})
    assert result.n_by_difficulty == {"easy": 2, "medium": 1, "hard": 1}
    assert result.as_dict()["task/speech"] == pytest.approx(50.0)


def test_score_rejects_no_items():
    with pytest.raises(ValueError):
        score([], {})


def test_scaling_slope_hand_computation():
    # x = 0, 10, 20; y = 70, 71, 75 -> x̄ = 10, ȳ = 72; Sxy = (-10)(-2) + 0 + 10*3 = 50; Sxx = 200; b = 0.25
    assert scaling_slope([0, 10, 20], [70, 71, 75]) == pytest.approx(0.25)
    # inverse scaling gives a negative slope
    assert scaling_slope([0, 50], [80, 70]) == pytest.approx(-0.2)


def test_scaling_slope_undefined_raises():
    with pytest.raises(ValueError):
        scaling_slope([5, 5, 5], [1, 2, 3])
    with pytest.raises(ValueError):
        scaling_slope([1, 2], [1])


def test_sweet_spot_prefers_cheapest_on_ties():
    assert sweet_spot([0, 25, 50, 75], [70.0, 77.1, 76.0, 77.1]) == (25, 77.1)
