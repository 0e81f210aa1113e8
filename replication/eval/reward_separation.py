"""Do CESAR's process rewards tell good reasoning from bad on a corpus? Separation margins on its traces.

On the testbed's generated traces (``replication.data.audio_qa.traces``), each trace either stays grounded
(lists only what is in the clip, as it is) or drifts (invented qualities, imagined events); its conclusion
follows what it says. A process reward carries signal when it scores the first kind above the second, and a
trace with its own conclusion above the same trace given a wrong answer. ``reward_separation`` measures both for the consistency reward, paired within
items, and the keyword reward's spread (a reward that saturates on the template carries nothing).

``reward_separation(items, traces) -> dict`` of floats:
    consistency_grounded, consistency_drifted, consistency_drift_margin (paired within items with both kinds),
    consistency_own_answer, consistency_wrong_answer, consistency_answer_margin (grounded traces, paired),
    keywords_mean, keywords_sd, keywords_saturated (share at 1), keywords_grounded, keywords_drifted.
"""

from __future__ import annotations

import numpy as np

from replication.data.audio_qa.traces import is_drifted, trace_text
from replication.rewards.cesar import consistency_reward, format_completion, keyword_reward


def _mean(values) -> float:
    return float(np.mean(values)) if len(values) else float("nan")  # nan: the corpus has no such trace


def _completion(segments: list[dict], answer: str) -> str:
    return format_completion(f" {trace_text(segments)} ", f" {answer} ")


def reward_separation(items, traces) -> dict[str, float]:
    grounded, drifted, own, wrong, margins_drift, keywords, kw_grounded, kw_drifted = ([] for _ in range(8))
    for item in items:
        record = traces.get(item.id)
        if record is None:
            continue
        per_kind = {True: [], False: []}
        for segments in record.traces:
            last = [s["answer"] for s in segments if s["answer"] is not None][-1]
            text = _completion(segments, last)
            consistency = consistency_reward([text], question=item.question, choices=list(item.choices))[0]
            keyword = keyword_reward([text])[0]
            keywords.append(keyword)
            is_drift = is_drifted(trace_text(segments))
            (drifted if is_drift else grounded).append(consistency)
            (kw_drifted if is_drift else kw_grounded).append(keyword)
            per_kind[is_drift].append(consistency)
            if not is_drift:
                other = next(c for c in item.choices if c != last)
                own.append(consistency)
                wrong.append(consistency_reward([_completion(segments, other)], question=item.question,
                                                choices=list(item.choices))[0])
        if per_kind[True] and per_kind[False]:
            margins_drift.append(np.mean(per_kind[False]) - np.mean(per_kind[True]))
    keywords = np.asarray(keywords)
    return {
        "consistency_grounded": _mean(grounded), "consistency_drifted": _mean(drifted),
        "consistency_drift_margin": _mean(margins_drift),
        "consistency_own_answer": _mean(own), "consistency_wrong_answer": _mean(wrong),
        "consistency_answer_margin": _mean(np.subtract(own, wrong)),
        "keywords_mean": float(keywords.mean()), "keywords_sd": float(keywords.std()),
        "keywords_saturated": float(np.mean(keywords >= 1.0)),
        "keywords_grounded": _mean(kw_grounded), "keywords_drifted": _mean(kw_drifted),
    }
