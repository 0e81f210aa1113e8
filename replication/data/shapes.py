"""Coloured shapes with captions: the compositional image set the ADRPO flow experiment trains on.

Every image holds two objects (a colour and a shape each) side by side or one above the other, on black::

    "a red cross left of a blue square"      "a green triangle above a yellow cross"

A *scene* is what the picture shows: ``(layout, first object, second object)``, where the first object is the left
(horizontal layout) or the top one (vertical layout). A scene has one caption per relation word of its layout
that the task uses ("A left of B" and "B right of A" draw the same picture), so labels are stated per scene and the
held-out split is drawn over scenes: no held-out picture is ever described by a training caption. The tiny profile
uses ``left of`` and ``above`` only (one caption per scene, the first-named object first): with all four words the
base generator had to learn which object a reversed relation puts first, and swapped them half the time. It also
draws squares and crosses only (``all_scenes(shape_names)``): at this size its triangles came out as blobs.

Labels per image (what the reward classifier learns): ``layout`` (0 horizontal, 1 vertical) and, per slot
(0 = left/top, 1 = right/bottom), ``colour`` and ``shape`` indices. Pixel values lie in [-1, 1], the range the
flow model generates in. Pure NumPy, deterministic given the seed, about a millisecond per hundred images.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

COLOURS: dict[str, tuple[float, float, float]] = {
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 1.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "yellow": (1.0, 1.0, 0.0),
}
SHAPES = ("square", "triangle", "cross")
LAYOUTS = ("horizontal", "vertical")
# relation word -> (layout index, whether the caption's subject is the first slot)
RELATIONS: dict[str, tuple[int, bool]] = {
    "left of": (0, True),
    "right of": (0, False),
    "above": (1, True),
    "below": (1, False),
}
COLOUR_NAMES = tuple(COLOURS)
ALL_RELATIONS = tuple(RELATIONS)


def check_relations(relations: tuple[str, ...]) -> tuple[str, ...]:
    """The relation words a task uses: known ones, at least one per layout (so every scene has a caption)."""
    unknown = [r for r in relations if r not in RELATIONS]
    if unknown:
        raise ValueError(f"unknown relation(s) {unknown}; allowed: {ALL_RELATIONS}")
    missing = [LAYOUTS[layout] for layout in range(len(LAYOUTS)) if not any(RELATIONS[r][0] == layout for r in relations)]
    if missing:
        raise ValueError(f"relations {tuple(relations)} leave the {', '.join(missing)} layout without a caption")
    return tuple(relations)


@dataclass(frozen=True)
class Scene:
    """What one picture shows: a layout and the (colour, shape) index pairs of its first and second slot."""

    layout: int
    first: tuple[int, int]
    second: tuple[int, int]


def all_scenes(shape_names: tuple[str, ...] = SHAPES) -> list[Scene]:
    """Every scene with two different objects of the given shapes, in a fixed order (all three shapes: 2 layouts
    x 12 x 11 ordered pairs = 264; square and cross: 2 x 8 x 7 = 112). Shape indices stay those of ``SHAPES``."""
    unknown = [name for name in shape_names if name not in SHAPES]
    if unknown or not shape_names:
        raise ValueError(f"shapes must be a non-empty subset of {SHAPES}, got {tuple(shape_names)}")
    kept = [i for i, name in enumerate(SHAPES) if name in shape_names]
    objects = list(product(range(len(COLOURS)), kept))
    return [Scene(layout, a, b) for layout in range(len(LAYOUTS)) for a in objects for b in objects if a != b]


def object_phrase(obj: tuple[int, int]) -> str:
    return f"a {COLOUR_NAMES[obj[0]]} {SHAPES[obj[1]]}"


def captions(scene: Scene, relations: tuple[str, ...] = ALL_RELATIONS) -> list[str]:
    """The captions of a scene with the given relation words, e.g. 'a red cross left of a blue square' and
    'a blue square right of a red cross'."""
    out = []
    for relation, (layout, subject_first) in RELATIONS.items():
        if layout != scene.layout or relation not in relations:
            continue
        subject, other = (scene.first, scene.second) if subject_first else (scene.second, scene.first)
        out.append(f"{object_phrase(subject)} {relation} {object_phrase(other)}")
    return out


def parse_caption(caption: str) -> Scene:
    """Invert ``captions``: the scene a caption asks for. Raises ValueError on anything outside the grammar."""
    words = caption.split()
    for relation, (layout, subject_first) in RELATIONS.items():
        rel = relation.split()
        n = len(rel)
        # grammar: a COLOUR SHAPE <relation words> a COLOUR SHAPE
        if len(words) == 6 + n and words[3:3 + n] == rel and words[0] == "a" and words[3 + n] == "a":
            try:
                subject = (COLOUR_NAMES.index(words[1]), SHAPES.index(words[2]))
                other = (COLOUR_NAMES.index(words[4 + n]), SHAPES.index(words[5 + n]))
            except ValueError:
                break
            first, second = (subject, other) if subject_first else (other, subject)
            return Scene(layout, first, second)
    raise ValueError(
        f"caption {caption!r} is not 'a <colour> <shape> <relation> a <colour> <shape>' with colours "
        f"{COLOUR_NAMES}, shapes {SHAPES}, relations {tuple(RELATIONS)}"
    )


def vocabulary() -> list[str]:
    """Every word a caption can use, sorted (the text encoder's word-level vocabulary)."""
    words = {"a", *COLOUR_NAMES, *SHAPES}
    for relation in RELATIONS:
        words.update(relation.split())
    return sorted(words)


def split_scenes(heldout_fraction: float, seed: int, shape_names: tuple[str, ...] = SHAPES) -> tuple[list[Scene], list[Scene]]:
    """Deterministic (train, held-out) partition of ``all_scenes(shape_names)``; held-out scenes are never trained on."""
    if not 0.0 <= heldout_fraction < 1.0:
        raise ValueError(f"heldout_fraction must be in [0, 1), got {heldout_fraction}")
    scenes = all_scenes(shape_names)
    order = np.random.default_rng(seed).permutation(len(scenes))
    n_heldout = int(round(heldout_fraction * len(scenes)))
    heldout = sorted(order[:n_heldout].tolist())
    train = sorted(order[n_heldout:].tolist())
    return [scenes[i] for i in train], [scenes[i] for i in heldout]


def _shape_mask(shape: int, size: int, cy: float, cx: float, radius: float) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5  # pixel centres
    dy, dx = yy - cy, xx - cx
    name = SHAPES[shape]
    if name == "square":
        side = radius * 0.85  # a little smaller than the box, so that squares do not dwarf the other shapes
        return (np.abs(dy) <= side) & (np.abs(dx) <= side)
    if name == "cross":  # a plus sign; arms a third of the radius thick each side (about 2 px at 16 px, 3 at 24)
        inside = (np.abs(dy) <= radius) & (np.abs(dx) <= radius)
        arm = max(1.0, radius / 3.0)
        return inside & ((np.abs(dy) <= arm) | (np.abs(dx) <= arm))
    # triangle pointing up: apex at the top, base at the bottom of the bounding box
    top, bottom = cy - radius, cy + radius
    half_width = radius * (yy - top) / (bottom - top)
    return (dy >= -radius) & (dy <= radius) & (np.abs(dx) <= half_width)


def render(scene: Scene, size: int, rng: np.random.Generator) -> np.ndarray:
    """One (3, size, size) float32 image in [-1, 1]; position, size and brightness jitter come from ``rng``."""
    if size < 12:
        raise ValueError(f"image size must be at least 12 pixels to draw two shapes, got {size}")
    image = np.zeros((3, size, size), dtype=np.float32)
    half = size / 2
    for slot, (colour, shape) in enumerate((scene.first, scene.second)):
        along = half * slot + half / 2 + rng.uniform(-1.0, 1.0)  # centre of the slot's half, jittered
        across = half + rng.uniform(-2.0, 2.0)
        cy, cx = (across, along) if scene.layout == 0 else (along, across)
        radius = half * rng.uniform(0.32, 0.42)
        brightness = rng.uniform(0.75, 1.0)
        mask = _shape_mask(shape, size, cy, cx, radius)
        image[:, mask] = brightness * np.asarray(COLOURS[COLOUR_NAMES[colour]], dtype=np.float32)[:, None]
    return image * 2.0 - 1.0


@dataclass(frozen=True)
class ShapesDataset:
    images: np.ndarray  # (N, 3, S, S) float32 in [-1, 1]
    captions: list[str]
    layout: np.ndarray  # (N,) int64
    colour: np.ndarray  # (N, 2) int64, slot 0 = left/top
    shape: np.ndarray  # (N, 2) int64

    def __len__(self) -> int:
        return len(self.captions)


def make_dataset(scenes: list[Scene], n: int, size: int, seed: int, relations: tuple[str, ...] = ALL_RELATIONS) -> ShapesDataset:
    """``n`` images of scenes drawn uniformly from ``scenes``, each with one of its captions at random."""
    if not scenes:
        raise ValueError("make_dataset needs at least one scene")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(scenes), size=n)
    images, texts = np.empty((n, 3, size, size), dtype=np.float32), []
    layout = np.empty(n, dtype=np.int64)
    colour, shape = np.empty((n, 2), dtype=np.int64), np.empty((n, 2), dtype=np.int64)
    for i, pick in enumerate(picks):
        scene = scenes[pick]
        images[i] = render(scene, size, rng)
        options = captions(scene, relations)
        texts.append(options[rng.integers(0, len(options))])
        layout[i] = scene.layout
        colour[i] = (scene.first[0], scene.second[0])
        shape[i] = (scene.first[1], scene.second[1])
    return ShapesDataset(images, texts, layout, colour, shape)


def prompts_of(scenes: list[Scene], relations: tuple[str, ...] = ALL_RELATIONS) -> list[str]:
    """Every caption of the given scenes, in order: the prompt set of a split."""
    return [text for scene in scenes for text in captions(scene, relations)]


def save_split(path, train: ShapesDataset, test: ShapesDataset, train_scenes: list[Scene], heldout_scenes: list[Scene],
               relations: tuple[str, ...] = ALL_RELATIONS) -> None:
    """Write ``path/shapes.safetensors`` (images, labels, prompt indices) and ``path/prompts.json``.

    Prompts are indexed in ``prompts_of(train_scenes + heldout_scenes, relations)`` order (the scenes in
    ``all_scenes`` order), the prompt set the generator is built with.
    """
    import json
    from pathlib import Path

    import torch
    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    order = {scene: i for i, scene in enumerate(all_scenes())}
    prompts = prompts_of(sorted(train_scenes + heldout_scenes, key=order.__getitem__), relations)
    index = {p: i for i, p in enumerate(prompts)}
    tensors = {}
    for name, data in (("train", train), ("test", test)):
        tensors[f"{name}_images"] = torch.from_numpy(data.images)
        tensors[f"{name}_prompt"] = torch.tensor([index[c] for c in data.captions])
        tensors[f"{name}_layout"] = torch.from_numpy(data.layout)
        tensors[f"{name}_colour"] = torch.from_numpy(data.colour)
        tensors[f"{name}_shape"] = torch.from_numpy(data.shape)
    save_file(tensors, path / "shapes.safetensors")
    split = {
        "prompts": prompts,
        "train_prompts": sorted(index[p] for p in prompts_of(train_scenes, relations)),
        "heldout_prompts": sorted(index[p] for p in prompts_of(heldout_scenes, relations)),
    }
    (path / "prompts.json").write_text(json.dumps(split, indent=1, sort_keys=True) + "\n")


def load_split(path) -> tuple[dict, dict]:
    """(tensors, prompt split) as written by ``save_split``; ``dataset(tensors, split, name)`` rebuilds a set."""
    import json
    from pathlib import Path

    from safetensors.torch import load_file

    path = Path(path)
    return load_file(path / "shapes.safetensors"), json.loads((path / "prompts.json").read_text())


def dataset(tensors: dict, split: dict, name: str) -> ShapesDataset:
    """The ``train`` or ``test`` ShapesDataset from ``load_split``'s output."""
    return ShapesDataset(
        images=tensors[f"{name}_images"].numpy(),
        captions=[split["prompts"][i] for i in tensors[f"{name}_prompt"].tolist()],
        layout=tensors[f"{name}_layout"].numpy(),
        colour=tensors[f"{name}_colour"].numpy(),
        shape=tensors[f"{name}_shape"].numpy(),
    )
