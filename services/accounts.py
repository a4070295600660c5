"""The documented import path ``from services import accounts`` (README, 可调用的 Python 接口): the
module lives in ``services/identity/accounts.py``; this name stays for callers outside the code base."""
from services.identity.accounts import *  # noqa: F401,F403
from services.identity.accounts import password_problems  # noqa: F401  (the documented function)
