"""The tier rules of assessment.grading, hand-computed at every boundary (partial_max as declared)."""
from __future__ import annotations

import pytest

from services.assessment.tiers import FULL as F, NONE as N, PARTIAL as P, aggregate, clause_done, grade, indicator_tier
from tests.quality.shipped import all_clauses, clause, model


def tiers(*per_level: list) -> list[tuple[int, str | None]]:  # type: ignore[type-arg]
    return [(k, m) for k, marks in enumerate(per_level, 1) for m in marks]


ALL_F = [[F, F]] * 5


@pytest.mark.parametrize("clauses,limit,expected", [
    (tiers(*ALL_F), 2, 5),                                            # all 符合: the top tier
    (tiers([P, P], [F, F], [F, F], [F, F], [F, F]), 2, 5),            # exactly at the limit (2 基本符合)
    (tiers([P, F], [F, P], [F, F], [F, F], [F, F]), 2, 5),            # at the limit, spread over tiers
    (tiers([P, F], [F, P], [P, F], [F, F], [F, F]), 2, 2),            # the 3rd 基本符合 (tier 3) is one over
    (tiers([P, P], [F, F], [F, F], [F, F], [F, P]), 2, 4),            # one over at the top tier
    (tiers([P, P, P], [F, F], [F, F], [F, F], [F, F]), 2, 0),         # one over already at tier 1
    (tiers([F, P], [F, F], [F, F], [F, F], [F, F]), 0, 0),            # limit 0: any 基本符合 stops
    (tiers([F, F], [F, P], [F, F], [F, F], [F, F]), 0, 1),
    (tiers([F, N], [F, F], [F, F], [F, F], [F, F]), 2, 0),            # 不符合 at tier 1
    (tiers([F, F], [F, F], [F, F], [N, F], [F, F]), 2, 3),            # 不符合 at tier 4
    (tiers([F, F], [F, F], [F, F], [F, F], [F, N]), 2, 4),            # 不符合 at the top tier
    (tiers([F, F], [F, None], [F, F], [F, F], [F, F]), 2, 1),         # a clause not done counts as failed
    (tiers([F, F], [F, F], [], [F, F], [F, F]), 2, 2),                # an empty tier stops the climb
    (tiers([], [F, F], [F, F], [F, F], [F, F]), 2, 0),                # empty tier 1
    (tiers([F, F], [F, F], [F, F]), 2, 3),                            # tiers 4, 5 empty
    ([], 2, None),                                                     # no clauses: not graded
])
def test_indicator_tier(clauses, limit, expected) -> None:  # type: ignore[no-untyped-def]
    assert indicator_tier(clauses, 5, limit) == expected


def test_unordered_clauses_give_the_same_tier() -> None:
    assert indicator_tier(list(reversed(tiers([F, P], [F, F], [P, F], [N, F], [F, F]))), 5, 2) == 3


@pytest.mark.parametrize("values,how,expected", [
    ([3, 1, 5], "min", 1), ([3, None, 2], "min", 2), ([0, 5], "min", 0),
    ([3, 2], "floor_mean", 2), ([5, 4, 4], "floor_mean", 4), ([1, 2], "floor_mean", 1), ([0, 1, 1, 1], "floor_mean", 0),
    ([None, None], "min", None), ([], "floor_mean", None),
])
def test_aggregate(values, how, expected) -> None:  # type: ignore[no-untyped-def]
    assert aggregate(values, how) == expected


def test_unknown_aggregation_is_refused() -> None:
    with pytest.raises(ValueError, match="未知的汇总方式"):
        aggregate([1], "max")


def test_a_clause_is_done_only_with_description_and_needed_evidence() -> None:
    g = model().assessment.grading  # type: ignore[union-attr]
    assert g is not None
    grp = model().sections[0].groups[0]
    assert clause_done(g, grp, clause(grp.name, "2"))
    assert clause_done(g, grp, clause(grp.name, "0"))                      # 不符合 needs no evidence
    assert not clause_done(g, grp, clause(grp.name, "2", files=None))      # 符合 without evidence
    assert not clause_done(g, grp, clause(grp.name, "1", files=[]))        # 基本符合 with an empty list
    assert not clause_done(g, grp, clause(grp.name, "2", desc="   "))      # blank description
    assert not clause_done(g, grp, {})


def test_the_shipped_model_all_conforming_is_excellent() -> None:
    gr = grade(model(), all_clauses("2"))
    assert len(gr.indicators) == 13 and gr.complete
    assert {i.tier for i in gr.indicators} == {5} and gr.first_level == {"q62": 5, "q63": 5, "q64": 5}
    assert gr.overall == 5 and model().assessment.grading.label(gr.overall) == "卓越级"  # type: ignore[union-attr]


def test_first_level_and_overall_take_the_lowest() -> None:
    a = all_clauses("2")
    a.update(clause("c633_31", "0"))                   # 6.3.3 fails at 保证级 → 检验级
    a.update(clause("c622_11", "1"))                   # 6.2.2: 3 基本符合 in tiers 1..4 → 保证级
    a.update(clause("c622_21", "1"))
    a.update(clause("c622_41", "1"))
    gr = grade(model(), a)
    tier = {i.name: i.tier for i in gr.indicators}
    assert tier["6.3.3 生产过程质量数字化"] == 2 and tier["6.2.2 领导作用发挥"] == 3
    assert gr.first_level == {"q62": 3, "q63": 2, "q64": 5} and gr.overall == 2
    assert model().assessment.grading.label(gr.overall) == "检验级"  # type: ignore[union-attr]


def test_missing_evidence_counts_as_not_done() -> None:
    a = all_clauses("2")
    a.pop("c641_12_files")
    gr = grade(model(), a)
    ind = next(i for i in gr.indicators if i.name.startswith("6.4.1"))
    assert (ind.tier, ind.done, ind.total) == (0, 9, 10) and not gr.complete
    assert gr.first_level["q64"] == 0 and gr.overall == 0
    assert model().assessment.grading.label(0) == "未达到经验级"  # type: ignore[union-attr]


def test_nothing_answered_is_below_the_first_tier() -> None:
    gr = grade(model(), {})
    assert gr.overall == 0 and all(i.done == 0 for i in gr.indicators)
