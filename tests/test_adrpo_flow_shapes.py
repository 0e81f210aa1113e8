"""The shapes data set, the agreement reward and per-prompt diversity (case tables, hand computations)."""

import numpy as np
import pytest
import torch

from replication.data import shapes
from replication.data.shapes import Scene, captions, make_dataset, parse_caption, split_scenes
from replication.eval.prompt_diversity import per_prompt_diversity
from replication.models.shapes_classifier import (
    ShapesClassifier,
    ShapesClassifierConfig,
    ShapesLogits,
    accuracy,
    train_classifier,
)
from replication.rewards.image import ShapesAgreementReward, prompt_agreement

RED, GREEN, BLUE, YELLOW = range(4)
SQUARE, TRIANGLE, CROSS = range(3)


def test_grammar_sizes():
    assert len(shapes.COLOURS) >= 4 and len(shapes.SHAPES) >= 3 and len(shapes.RELATIONS) >= 2
    assert len(shapes.all_scenes()) == 2 * 12 * 11


@pytest.mark.parametrize("caption, scene", [
    ("a red cross left of a blue square", Scene(0, (RED, CROSS), (BLUE, SQUARE))),
    # the same picture described from the other object
    ("a blue square right of a red cross", Scene(0, (RED, CROSS), (BLUE, SQUARE))),
    ("a green triangle above a yellow cross", Scene(1, (GREEN, TRIANGLE), (YELLOW, CROSS))),
    ("a green triangle below a yellow cross", Scene(1, (YELLOW, CROSS), (GREEN, TRIANGLE))),
])
def test_parse_caption(caption, scene):
    assert parse_caption(caption) == scene
    assert caption in captions(scene)


@pytest.mark.parametrize("caption", ["a purple circle left of a blue square", "a red cross near a blue square",
                                     "red circle left of a blue square", ""])
def test_parse_caption_rejects_text_outside_the_grammar(caption):
    with pytest.raises(ValueError, match="is not 'a <colour> <shape>"):
        parse_caption(caption)


def test_every_caption_round_trips_and_uses_the_vocabulary():
    vocab = set(shapes.vocabulary())
    for scene in shapes.all_scenes():
        for text in captions(scene):
            assert parse_caption(text) == scene and set(text.split()) <= vocab


def test_split_is_a_deterministic_partition():
    train, heldout = split_scenes(0.2, seed=3)
    assert len(heldout) == round(0.2 * 264) and not set(train) & set(heldout)
    assert set(train) | set(heldout) == set(shapes.all_scenes())
    assert split_scenes(0.2, seed=3) == (train, heldout) and split_scenes(0.2, seed=4) != (train, heldout)
    # held-out prompts are never training prompts: scenes are split, not captions
    assert not set(shapes.prompts_of(train)) & set(shapes.prompts_of(heldout))


def test_dataset_is_deterministic_and_labelled():
    train, _ = split_scenes(0.2, seed=0)
    a, b = make_dataset(train, 50, 16, seed=1), make_dataset(train, 50, 16, seed=1)
    assert np.array_equal(a.images, b.images) and a.captions == b.captions
    assert a.images.shape == (50, 3, 16, 16) and a.images.min() >= -1 and a.images.max() <= 1
    for i, text in enumerate(a.captions):
        scene = parse_caption(text)
        assert a.layout[i] == scene.layout
        assert tuple(a.colour[i]) == (scene.first[0], scene.second[0])
        assert tuple(a.shape[i]) == (scene.first[1], scene.second[1])


def test_render_puts_each_colour_in_its_slot():
    image = shapes.render(Scene(0, (RED, SQUARE), (BLUE, SQUARE)), 16, np.random.default_rng(0))
    lit = image > 0  # (3, 16, 16)
    left, right = lit[:, :, :8], lit[:, :, 8:]
    assert left[0].sum() > 10 and left[2].sum() == 0  # red on the left only
    assert right[2].sum() > 10 and right[0].sum() == 0  # blue on the right only


def one_hot_logits(layout, colours, shapes_, strength=60.0):
    """Logits that put nearly all probability on the given labels."""
    def hot(index, n):
        return torch.nn.functional.one_hot(torch.tensor(index), n).float() * strength
    return ShapesLogits(
        layout=hot([layout], 2),
        colour=hot([colours], 4),
        shape=hot([shapes_], 3),
        features=torch.zeros(1, 4),
    )


@pytest.mark.parametrize("caption, expected", [
    ("a red cross left of a blue square", 1.0),   # exactly what the image shows
    ("a blue square right of a red cross", 1.0),  # the same scene, other wording
    ("a red cross right of a blue square", 0.0),  # swapped sides
    ("a red cross above a blue square", 0.0),     # wrong axis
    ("a green cross left of a blue square", 0.0),  # wrong colour
    ("a red triangle left of a blue square", 0.0),  # wrong shape
])
def test_prompt_agreement_case_table(caption, expected):
    logits = one_hot_logits(0, [RED, BLUE], [CROSS, SQUARE])
    # a wrong attribute has p = e^-60, so R = (e^-60)^(1/5) = e^-12 ~ 6e-6
    assert prompt_agreement(logits, [parse_caption(caption)]).item() == pytest.approx(expected, abs=1e-5)


def test_prompt_agreement_is_the_geometric_mean_of_head_probabilities():
    # uniform heads: [(1/2) * (1/4)^2 * (1/3)^2]^(1/5)
    logits = ShapesLogits(torch.zeros(1, 2), torch.zeros(1, 2, 4), torch.zeros(1, 2, 3), torch.zeros(1, 4))
    value = prompt_agreement(logits, [parse_caption("a red cross left of a blue square")])
    assert value.item() == pytest.approx((0.5 * (1 / 16) * (1 / 9)) ** 0.2)


def test_classifier_learns_and_reward_prefers_the_true_prompt(tmp_path):
    torch.manual_seed(0)
    train, _ = split_scenes(0.2, seed=0)
    data = make_dataset(train, 384, 16, seed=0)
    model = ShapesClassifier(ShapesClassifierConfig(image_size=16, channels=8, feature_dim=16))
    history = train_classifier(model, data, epochs=4, batch_size=32, lr=5e-3, generator=torch.Generator().manual_seed(0))
    assert history[-1] < 0.5 * history[0]
    test = make_dataset(train, 200, 16, seed=1)
    scores = accuracy(model, test)
    assert scores["layout"] > 0.95 and scores["colour"] > 0.9  # shapes take longer; the pipeline trains longer

    model.save(tmp_path / "clf")
    reward = ShapesAgreementReward.from_path(tmp_path / "clf")
    images = torch.from_numpy(test.images[:20])
    true = reward(images, prompts=test.captions[:20])
    wrong_axis = [t.replace("left of", "above").replace("right of", "below") if ("left" in t or "right" in t)
                  else t.replace("above", "left of").replace("below", "right of") for t in test.captions[:20]]
    assert np.mean(true) > 2 * np.mean(reward(images, prompts=wrong_axis))
    # the loaded classifier gives the in-memory one's rewards
    assert torch.allclose(torch.tensor(true), ShapesAgreementReward(model).scores(images, test.captions[:20])[0])


def test_per_prompt_diversity_hand_case():
    embeddings = torch.tensor([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0], [1.0, 1.0], [9.0, 9.0]])
    groups = torch.tensor([0, 0, 1, 1, 2])
    # prompt 0: one pair at distance 5; prompt 1: identical copies, 0; prompt 2: a single sample, skipped
    assert per_prompt_diversity(embeddings, groups).item() == pytest.approx(2.5)
    with pytest.raises(ValueError, match="at least one prompt"):
        per_prompt_diversity(embeddings[:1], groups[:1])


def test_relation_words_restrict_the_captions_and_are_checked():
    scene = Scene(layout=0, first=(0, 2), second=(2, 0))  # red cross | blue square
    assert captions(scene, ("left of", "above")) == ["a red cross left of a blue square"]
    assert captions(Scene(1, (0, 2), (2, 0)), ("left of", "above")) == ["a red cross above a blue square"]
    assert len(shapes.prompts_of(shapes.all_scenes(), ("left of", "above"))) == len(shapes.all_scenes())
    assert shapes.check_relations(("left of", "above")) == ("left of", "above")
    with pytest.raises(ValueError, match="vertical layout without a caption"):
        shapes.check_relations(("left of", "right of"))
    with pytest.raises(ValueError, match="unknown relation"):
        shapes.check_relations(("left of", "under"))
