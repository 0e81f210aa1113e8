"""The ORW report's verdict is computed from the numbers: a case table."""

import pandas as pd
import pytest

from replication.plots.orw_report import collapse_verdict


def table(rows):
    columns = ["reward", "class_entropy", "feature_diversity", "feature_diversity_spread"]
    return pd.DataFrame(rows, columns=["alpha", *columns]).set_index("alpha")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # more diversity, same reward, gap well beyond the seed spread
        ([(0.0, 0.97, 0.2, 5.0, 0.1), (0.3, 0.96, 1.2, 9.0, 0.1)], "claim held at this scale"),
        # right direction, but the gap (1.0) is inside the spreads (1.0 + 1.0)
        ([(0.0, 0.97, 0.8, 7.0, 1.0), (0.3, 0.96, 0.9, 8.0, 1.0)], "held in direction only"),
        # regularised run lost diversity
        ([(0.0, 0.97, 0.8, 9.0, 0.1), (0.3, 0.96, 0.9, 8.0, 0.1)], "did not hold"),
        # kept diversity but paid with reward
        ([(0.0, 0.97, 0.2, 5.0, 0.1), (0.8, 0.70, 1.2, 9.0, 0.1)], "did not hold"),
    ],
)
def test_verdict_cases(rows, expected):
    assert expected in collapse_verdict(table(rows), start_entropy=2.3)


def test_verdict_needs_the_unregularised_run():
    assert collapse_verdict(table([(0.3, 0.9, 1.0, 5.0, 0.1)]), 2.3).startswith("Not tested")
