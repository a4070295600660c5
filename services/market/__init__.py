"""The SME digital-transformation marketplace (sme-digital-transformation-platform-guide.md).

- ``money``: amounts are integers in 分 (fen) everywhere; parsing and display of 元.
- ``listings``: providers' products, their versions and the three-stage approval
  (specs/workflows/listing_approval.yaml).
- ``catalogue`` / ``orders`` / ``payment``: the buyer's side — search, cart, orders, the payment adapter.
- ``vouchers``: service-voucher activities, grabbing and spending without overselling.
- ``providers``: provider users, menu grants, experts.
"""
