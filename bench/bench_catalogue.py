"""Benchmark the catalogue (解决方案与产品): search + filters over 10,000 listings.

Seeds N listings (Core bulk inserts: listing, its approved version, 1–3 specs, 1–4 tags of 30 with a
skewed popularity, 1–3 of 12 solution categories, 1–3 of 40 industries; 10 % delisted) into a fresh
database and times ``catalogue.search`` over a mix of queries (keyword, facets, price range, sorts,
a deep page), ``facet_choices`` and ``listing_detail``: median and p95 per query and over the mix.

Baseline: what a user of pandas would write — the same listings and facets loaded once into
DataFrames and filtered in memory (the load is timed too: a Streamlit page would redo it on every
rerun unless cached, and a cached copy goes stale when a listing is approved).

    .venv/bin/python bench/bench_catalogue.py                      # SQLite in a temp dir
    .venv/bin/python bench/bench_catalogue.py --postgres           # throw-away PostgreSQL cluster
    .venv/bin/python bench/bench_catalogue.py --url postgresql+psycopg://…
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")

from _timing import analyze  # noqa: E402

TAGS = ["智能制造", "工业互联网", "数字孪生", "设备联网", "质量追溯", "能耗管理", "仓储物流", "供应链协同", "财务共享",
        "人力资源", "客户关系", "协同办公", "电子商务", "安全生产", "环保监测", "研发设计", "仿真", "排产", "MES", "ERP",
        "PLM", "SCM", "CRM", "WMS", "云服务", "大数据", "人工智能", "机器视觉", "预测性维护", "网络安全"]
CATEGORIES = ["研发设计", "生产管控", "经营管理", "运维服务", "供应链管理", "营销服务", "安全环保", "数据治理", "网络建设",
              "云平台", "智能硬件", "咨询诊断"]
INDUSTRIES = [f"C{n}" for n in range(13, 43)] + ["A01", "B06", "D44", "E47", "F51", "G54", "I63", "I64", "M73", "N77"]
WORDS = ["智能", "云", "数字化", "协同", "精益", "柔性", "透明", "绿色", "安全", "敏捷"]
NOUNS = ["排产", "工厂", "车间", "仓储", "质检", "财务", "采购", "营销", "运维", "能源"]


def seed(n: int, rng: random.Random) -> None:
    from sqlalchemy import insert

    from db.base import utcnow
    from db.engine import session_scope
    from db.market import Listing, ListingFacet, ListingSpec, ListingVersion
    from tests.factories import make_org

    providers = [make_org("370102", status="approved", kind="provider", name=f"基准服务商{i}有限公司") for i in range(50)]
    now = utcnow()
    weights = [1 / (i + 1) for i in range(len(TAGS))]        # a few tags are popular, most are rare
    listings, versions, specs, facets = [], [], [], []
    spec_id = 0
    for i in range(1, n + 1):
        name = f"{rng.choice(WORDS)}{rng.choice(NOUNS)}{rng.choice(['解决方案', '平台', '系统', '服务'])}{i}"
        prices = sorted(rng.choice([0, 9900, 50000, 120000, 360000, 980000]) + rng.randrange(0, 50000)
                        for _ in range(rng.randint(1, 3)))
        listed = now - dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 700))
        listings.append({"id": i, "org_id": rng.choice(providers), "kind": "solution", "live_version_id": i,
                         "sale_state": "delisted" if rng.random() < 0.1 else "on_sale", "name": name,
                         "product_name": f"{name}产品", "price_low_fen": prices[0], "price_high_fen": prices[-1],
                         "listed_at": listed, "sales": int(rng.paretovariate(1.5)) - 1, "created_at": listed,
                         "updated_at": listed, "row_version": 1})
        versions.append({"id": i, "listing_id": i, "version_no": 1, "status": "approved", "name": name,
                         "product_name": f"{name}产品", "content": {}, "price_low_fen": prices[0],
                         "price_high_fen": prices[-1], "created_at": listed, "updated_at": listed,
                         "approved_at": listed, "row_version": 1})
        for pos, price in enumerate(prices):
            spec_id += 1
            specs.append({"id": spec_id, "version_id": i, "position": pos, "name": f"规格{pos + 1}",
                          "purchase_mode": rng.choice(["year", "month", "quantity"]),
                          "pricing": "free" if price == 0 else "simple", "unit_price_fen": price})
        for code in set(rng.choices(TAGS, weights, k=rng.randint(1, 4))):
            facets.append({"listing_id": i, "facet": "tag", "code": code})
        for code in set(rng.choices(CATEGORIES, k=rng.randint(1, 3))):
            facets.append({"listing_id": i, "facet": "category", "code": code})
        for code in set(rng.choices(INDUSTRIES, k=rng.randint(1, 3))):
            facets.append({"listing_id": i, "facet": "industry", "code": code})
    with session_scope() as s:
        for table, rows in ((Listing, listings), (ListingVersion, versions), (ListingSpec, specs),
                            (ListingFacet, facets)):
            for start in range(0, len(rows), 5000):
                s.execute(insert(table), rows[start:start + 5000])
    print(f"seeded {n:,} listings, {len(specs):,} specs, {len(facets):,} facet rows")


QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("no filter, newest", {}),
    ("keyword 智能 (common)", {"query": "智能"}),
    ("keyword 999 (rare)", {"query": "999"}),
    ("tag 智能制造 (popular)", {"tags": ["智能制造"]}),
    ("tag 网络安全 (rare)", {"tags": ["网络安全"]}),
    ("tags any of 3 + category", {"tags": ["MES", "ERP", "WMS"], "category": "生产管控"}),
    ("industry C34 + price 500–5000 元", {"industry": "C34", "price_min_fen": 50000, "price_max_fen": 500000}),
    ("keyword + tag + price_asc", {"query": "云", "tags": ["工业互联网"], "sort": "price_asc"}),
    ("all three facets, sales", {"tags": ["智能制造"], "category": "研发设计", "industry": "C35", "sort": "sales"}),
    ("page 50, price_desc", {"sort": "price_desc", "page": 50}),
]


def pandas_baseline(repeat: int) -> None:
    import pandas as pd
    from sqlalchemy import text

    from db.engine import get_engine

    def load() -> tuple[pd.DataFrame, pd.DataFrame]:
        with get_engine().connect() as c:
            listings = pd.read_sql(text("SELECT id, name, product_name, org_id, price_low_fen, price_high_fen, sales, "
                                        "listed_at FROM listing WHERE sale_state = 'on_sale'"), c)
            facets = pd.read_sql(text("SELECT listing_id, facet, code FROM listing_facet"), c)
        return listings, facets

    loads = []
    for _ in range(max(3, repeat // 4)):
        start = time.perf_counter()
        listings, facets = load()
        loads.append((time.perf_counter() - start) * 1000)

    def run(q: dict[str, Any]) -> int:
        df = listings
        if q.get("query"):
            df = df[df["name"].str.contains(q["query"], regex=False) | df["product_name"].str.contains(q["query"], regex=False)]
        for facet, key in (("tag", "tags"), ("category", "category"), ("industry", "industry")):
            codes = q.get(key)
            if codes:
                codes = [codes] if isinstance(codes, str) else codes
                ids = facets.loc[(facets["facet"] == facet) & facets["code"].isin(codes), "listing_id"]
                df = df[df["id"].isin(ids)]
        if q.get("price_min_fen") is not None:
            df = df[df["price_low_fen"] >= q["price_min_fen"]]
        if q.get("price_max_fen") is not None:
            df = df[df["price_low_fen"] <= q["price_max_fen"]]
        col, asc = {"newest": ("listed_at", False), "price_asc": ("price_low_fen", True),
                    "price_desc": ("price_low_fen", False), "sales": ("sales", False)}[q.get("sort", "newest")]
        page = q.get("page", 1)
        out = df.sort_values(col, ascending=asc).iloc[(page - 1) * 12:page * 12]
        return len(df) + len(out)

    samples = []
    for _, q in QUERIES:
        for _ in range(repeat):
            start = time.perf_counter()
            run(q)
            samples.append((time.perf_counter() - start) * 1000)
    print(f"pandas baseline: load listings+facets {statistics.median(loads):.1f} ms median; "
          f"filter+sort+page over the mix p50 {pct(samples, 50):.2f} ms, p95 {pct(samples, 95):.2f} ms; "
          f"load+filter per rerun ≈ {statistics.median(loads) + pct(samples, 50):.1f} ms")


def pct(samples: list[float], p: int) -> float:
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, int(round(len(ordered) * p / 100)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--postgres", action="store_true", help="start a throw-away PostgreSQL cluster")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    server = None
    if args.postgres:
        from tests.conftest import PostgresServer
        server = PostgresServer()
        url = server.url
    else:
        url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    try:
        from db.engine import configure
        from services.core.bootstrap import init_db
        from services.market import catalogue

        configure(url)
        init_db(url)
        start = time.perf_counter()
        seed(args.listings, random.Random(16))
        print(f"database: {url.split('@')[-1]}; seed {time.perf_counter() - start:.1f} s")
        analyze(url)
        catalogue.search()   # warm the connection pool and the statement cache
        every: list[float] = []
        print(f"{'query':40s} {'rows':>6s} {'p50 ms':>8s} {'p95 ms':>8s}")
        for label, q in QUERIES:
            samples = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                _, total = catalogue.search(**q)
                samples.append((time.perf_counter() - t0) * 1000)
            every += samples
            print(f"{label:40s} {total:6d} {pct(samples, 50):8.1f} {pct(samples, 95):8.1f}")
        print(f"{'search mix (all of the above)':40s} {'':6s} {pct(every, 50):8.1f} {pct(every, 95):8.1f}")
        for label, fn in (("facet_choices()", catalogue.facet_choices),
                          ("listing_detail()", lambda: catalogue.listing_detail(catalogue.search()[0][0]["id"]))):
            samples = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - t0) * 1000)
            print(f"{label:40s} {'':6s} {pct(samples, 50):8.1f} {pct(samples, 95):8.1f}")
        pandas_baseline(args.repeat)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
