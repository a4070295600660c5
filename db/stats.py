"""Summary tables behind the statistics dashboards, kept current on every completed diagnosis.

Grain: ``stat_region`` — (scope, county, size); ``stat_industry`` — (scope, city, GB/T 4754 division,
size); the enterprise size class lets every page filter by size.
``scope`` is "all" (each enterprise's latest completed diagnosis) or a year "2024" (each
enterprise's latest completed diagnosis within that year). Measures are sums and counts, so any
coarser level (city, province, nation) is a SUM over a few thousand rows at most.
"""
from __future__ import annotations

from sqlalchemy import Column, Integer, Numeric, String, Table

from db.base import Base

DOMAINS = ["组织战略", "人员技能", "数据", "集成", "信息安全", "装备", "网络", "设计", "生产", "物流", "销售", "服务"]
SUBDOMAINS = ["组织战略", "人员技能", "数据", "集成", "信息安全", "装备", "网络", "产品设计", "工艺设计", "采购",
              "计划与调度", "生产作业", "设备管理", "仓储配送", "安全环保", "能源管理", "物流", "销售", "客户服务", "产品服务"]
LEVELS = range(6)  # 0 = below level 1


def measure_columns() -> list[Column]:  # type: ignore[type-arg]
    """Return the measure columns shared by both summary tables."""
    cols: list[Column] = [Column("n", Integer, nullable=False, default=0),  # type: ignore[type-arg]
                          Column("score_sum", Numeric(16, 4), nullable=False, default=0)]
    cols += [Column(f"n_l{k}", Integer, nullable=False, default=0) for k in LEVELS]
    for prefix, names in (("d", DOMAINS), ("s", SUBDOMAINS)):
        for i in range(len(names)):
            cols += [Column(f"{prefix}{i}_sum", Numeric(16, 4), nullable=False, default=0),
                     Column(f"{prefix}{i}_n", Integer, nullable=False, default=0)]
    return cols


stat_region = Table(
    "stat_region", Base.metadata,
    Column("scope", String(4), primary_key=True),
    Column("county_code", String(6), primary_key=True),
    Column("size", String(4), primary_key=True, server_default=""),   # 大型/中型/小型/微型, "" unknown
    Column("city_code", String(6), index=True),
    Column("province_code", String(6), index=True),
    *measure_columns(),
)

stat_industry = Table(
    "stat_industry", Base.metadata,
    Column("scope", String(4), primary_key=True),
    Column("city_code", String(6), primary_key=True),
    Column("division_code", String(2), primary_key=True),
    Column("size", String(4), primary_key=True, server_default=""),
    Column("province_code", String(6), index=True),
    *measure_columns(),
)

MEASURES = [c.name for c in measure_columns()]
