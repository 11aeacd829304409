"""The ``[cost]`` table of the study file: what the runs cannot log about money and power.

    [cost]
    rate = 0.5                  # billing per GPU-hour (or per node-hour, see ``per``)
    per = "gpu_hour"            # gpu_hour or node_hour
    unit = "EUR"                # what the rate is in: a currency or "billing units"
    laptop_watts = 28           # the laptop's power (its TDP): energy becomes an estimate
    co2_g_per_kwh = 250         # grid carbon intensity; CO2 is shown only when it is given

Nothing here has a default: without a rate no cost is shown, without a laptop power the
laptop's energy is unknown, without an intensity no CO2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError

COST_KEYS = {"rate", "per", "unit", "laptop_watts", "co2_g_per_kwh"}
PER = ("gpu_hour", "node_hour")


@dataclass(frozen=True)
class Rate:
    """A billing rate: ``amount`` of ``unit`` per GPU-hour or node-hour, and where it was set."""

    amount: float
    per: str  # gpu_hour or node_hour
    unit: str
    origin: str

    @property
    def per_text(self) -> str:
        return "GPU-hour" if self.per == "gpu_hour" else "node-hour"


@dataclass(frozen=True)
class CostInputs:
    rate: Rate | None = None
    laptop_watts: float | None = None
    co2_g_per_kwh: float | None = None
    origin: str = ""


def parse_cost(path: Path | None, table: Any) -> CostInputs:
    if table is None:
        return CostInputs()
    if not isinstance(table, dict):
        raise InputError("[cost] must be a table", path=path)
    for key in table:
        if key not in COST_KEYS:
            raise InputError(
                f"unknown key cost.{key}", path=path, hint="known: " + ", ".join(sorted(COST_KEYS))
            )
    origin = f"study file {path.name}" if path else "study file"
    rate = None
    amount = _positive(path, table, "rate")
    if amount is not None:
        per = table.get("per", "gpu_hour")
        if per not in PER:
            raise InputError(f"cost.per = {per!r}: use {' or '.join(PER)}", path=path)
        unit = table.get("unit")
        if not isinstance(unit, str) or not unit.strip():
            raise InputError(
                "cost.rate needs cost.unit: what the rate is in (EUR, billing units, ...)",
                path=path,
            )
        rate = Rate(amount, per, unit.strip(), origin)
    elif "per" in table or "unit" in table:
        raise InputError("cost.per and cost.unit need cost.rate", path=path)
    return CostInputs(
        rate=rate,
        laptop_watts=_positive(path, table, "laptop_watts"),
        co2_g_per_kwh=_positive(path, table, "co2_g_per_kwh"),
        origin=origin,
    )


def _positive(path: Path | None, table: dict[str, Any], key: str) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InputError(f"cost.{key} = {value!r}: use a number above 0", path=path)
    return float(value)
