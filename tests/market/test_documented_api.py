"""The documented marketplace API keeps its import paths and signatures (README, 可调用的 Python 接口)."""
from __future__ import annotations

import inspect

import services.core.errors as core_errors
import services.errors as errors
from services.market import vouchers


def test_errors_path_is_the_same_classes() -> None:
    assert errors.Conflict is core_errors.Conflict and errors.ValidationFailed is core_errors.ValidationFailed


def test_voucher_signatures() -> None:
    assert list(inspect.signature(vouchers.settle).parameters) == ["total_fen", "balances_fen"]
    assert list(inspect.signature(vouchers.create_activity).parameters) == ["actor", "spec"]
    assert list(inspect.signature(vouchers.activity_types).parameters) == ["activity_id"]
    assert list(inspect.signature(vouchers.grab).parameters) == ["actor", "type_id"]


def test_settle_examples() -> None:
    assert vouchers.settle(10000, [3000, 20000, 500]) == (0, [3000, 7000, 0])
    assert vouchers.settle(10000, [3000]) == (7000, [3000])
    assert vouchers.settle(0, [100]) == (0, [0])
