"""services/assessment/quality.py: the registered Kind and the indicator tree the page draws."""
from services.assessment import quality
from tests.quality.shipped import model


def test_kind_and_indicator_tree() -> None:
    assert (quality.KIND.code, quality.KIND.fill_permission) == ("quality_capability", "quality.fill")
    nodes = quality.indicators(model())
    assert len(nodes) == 13 and sum(len(n.clauses) for n in nodes) == 130
    assert [n.section for n in nodes][:1] == ["q62"] and nodes[0].name == "6.2.1 顾客需求关注"
    assert nodes[0].section_title == "6.2 质量管理体系的有效性"
    for n in nodes:                                                   # low to high tier, as the page lists them
        tiers = [str(c.tags["tier"]) for c in n.clauses]
        assert tiers == sorted(tiers) and tiers[0] == "L1" and tiers[-1] == "L5"
