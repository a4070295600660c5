"""The payment adapter: how the marketplace asks a payment provider for the cash part of an order.

A provider implements ``PaymentProvider``:

- ``name`` — a short code kept on each ``payment`` row (≤ 16 characters).
- ``charge(order_no, amount_fen, idempotency_key) -> ChargeResult(external_id, status)`` — ask for
  ``amount_fen`` (> 0) for the order. ``status`` is ``"succeeded"``, ``"failed"`` or, for an
  asynchronous provider (a QR code the payer scans later), ``"pending"``. The same ``idempotency_key``
  must never charge twice (a retried request returns the first result).
- ``confirm(external_id) -> ChargeResult`` — ask an asynchronous provider how a pending charge ended.

``services.market.orders.pay`` calls ``charge`` inside the order's transaction: a failed charge
raises and the whole transaction — the order's status, the vouchers' balances — rolls back.
A pending charge leaves the order ``paying``; ``orders.confirm_payment`` later asks ``confirm`` and
either marks it paid or gives the vouchers back.

The provider in use is chosen by the setting ``HUIQI_PAYMENT_PROVIDER`` (config.py); a real one is
plugged in by adding it to ``PROVIDERS`` (or by ``use(provider)`` in tests).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, Protocol

from config import settings

Status = Literal["succeeded", "failed", "pending"]


@dataclass(frozen=True)
class ChargeResult:
    external_id: str        # the provider's id of the charge (≤ 64 characters)
    status: Status


class PaymentProvider(Protocol):
    name: str

    def charge(self, order_no: str, amount_fen: int, idempotency_key: str) -> ChargeResult: ...

    def confirm(self, external_id: str) -> ChargeResult: ...


class SimulatedProvider:
    """Succeeds at once (or, with ``fail=True``, refuses every charge); remembers idempotency keys."""

    def __init__(self, *, fail: bool = False, name: str = "simulated") -> None:
        self.fail = fail
        self.name = name
        self.charges: dict[str, ChargeResult] = {}     # idempotency key → result
        self.amounts: dict[str, int] = {}              # external id → amount charged

    def charge(self, order_no: str, amount_fen: int, idempotency_key: str) -> ChargeResult:
        if amount_fen <= 0:
            raise ValueError("amount_fen must be positive")
        if idempotency_key in self.charges and self.charges[idempotency_key].status == "succeeded":
            return self.charges[idempotency_key]
        result = ChargeResult(f"sim-{uuid.uuid4().hex[:24]}", "failed" if self.fail else "succeeded")
        self.charges[idempotency_key] = result
        if result.status == "succeeded":
            self.amounts[result.external_id] = amount_fen
        return result

    def confirm(self, external_id: str) -> ChargeResult:
        return ChargeResult(external_id, "succeeded" if external_id in self.amounts else "failed")


PROVIDERS = {"simulated": lambda: SimulatedProvider(), "simulated_fail": lambda: SimulatedProvider(fail=True)}
_override: PaymentProvider | None = None
_default: PaymentProvider | None = None


def provider() -> PaymentProvider:
    """The provider in use: the one set by ``use``, else the one the setting names."""
    global _default
    if _override is not None:
        return _override
    if _default is None:
        _default = PROVIDERS[settings.payment_provider]()
    return _default


def use(chosen: PaymentProvider | None) -> None:
    """Use ``chosen`` instead of the configured provider (``None``: back to the setting)."""
    global _override
    _override = chosen
