"""Messages of the rebalance report."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
}
