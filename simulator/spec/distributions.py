"""Named probability distributions of durations (minutes) and offsets, as validated YAML blocks.

Every distribution is a frozen model with ``sample(rng, n)`` drawing ``n`` values from a numpy
``Generator``. Means and standard deviations are in the unit of the field (minutes for
durations). Lognormal and gamma are parameterised by mean and sd, as users measure them.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from simulator.spec.base import Strict, field_error
from simulator.spec.bounds import (
    MAX_CV,
    MAX_MINUTES,
    MIN_GAMMA_CV,
    Minutes,
    PositiveMinutes,
    SignedMinutes,
)


def _spread(mean: float, sd: float, lowest_cv: float) -> None:
    """Refuse an ``sd`` out of proportion to ``mean``: the plausibility bounds on the
    coefficient of variation (:data:`~simulator.spec.bounds.MAX_CV`), which keep the
    distribution's parameters finite."""
    if sd > MAX_CV * mean:
        raise field_error("sd", f"must be at most {MAX_CV:g} times the mean ({mean:g}): an sd "
                                f"of {sd:g} is beyond any measured spread of times")
    if sd < lowest_cv * mean:
        raise field_error("sd", f"must be at least {lowest_cv:g} times the mean ({mean:g}) "
                                f"(got {sd:g}); for a fixed time use dist: deterministic")


class MeanExpected:
    """For a distribution parameterised by its ``mean``: :attr:`expected` is that mean.
    The others (deterministic, uniform, triangular, empirical) define ``expected`` their way."""

    if TYPE_CHECKING:  # declared for mypy only: a runtime annotation would be a pydantic field
        mean: float

    @property
    def expected(self) -> float:
        """The mean of the distribution (minutes for durations)."""
        return float(self.mean)


class Exponential(MeanExpected, Strict):
    """Exponential with the given ``mean``."""

    dist: Literal["exponential"]
    mean: PositiveMinutes

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.standard_exponential(n) * self.mean

    @property
    def lowest(self) -> float:
        return 0.0


class Deterministic(Strict):
    """Always ``value``."""

    dist: Literal["deterministic"]
    value: SignedMinutes

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, float(self.value))

    @property
    def lowest(self) -> float:
        return float(self.value)

    @property
    def expected(self) -> float:
        """The mean of the distribution (minutes for durations)."""
        return float(self.value)


class Lognormal(MeanExpected, Strict):
    """Lognormal with the given ``mean`` and standard deviation ``sd`` of the value itself."""

    dist: Literal["lognormal"]
    mean: PositiveMinutes
    sd: Minutes

    @model_validator(mode="after")
    def _plausible(self) -> Lognormal:
        _spread(self.mean, self.sd, 0.0)
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        mu = math.log(self.mean) - sigma2 / 2
        return np.exp(mu + math.sqrt(sigma2) * rng.standard_normal(n))

    @property
    def lowest(self) -> float:
        return 0.0


class Gamma(MeanExpected, Strict):
    """Gamma with the given ``mean`` and standard deviation ``sd``."""

    dist: Literal["gamma"]
    mean: PositiveMinutes
    sd: PositiveMinutes

    @model_validator(mode="after")
    def _plausible(self) -> Gamma:
        _spread(self.mean, self.sd, MIN_GAMMA_CV)
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = (self.mean / self.sd) ** 2
        return rng.standard_gamma(shape, n) * (self.sd**2 / self.mean)

    @property
    def lowest(self) -> float:
        return 0.0


class Normal(MeanExpected, Strict):
    """Normal with ``mean`` and ``sd``; for offsets that can be negative (punctuality)."""

    dist: Literal["normal"]
    mean: SignedMinutes
    sd: Minutes

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.mean + self.sd * rng.standard_normal(n)

    @property
    def lowest(self) -> float:
        return -math.inf if self.sd > 0 else float(self.mean)


class Uniform(Strict):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: SignedMinutes
    high: SignedMinutes

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high must be >= low (got low={self.low}, high={self.high})")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.low + (self.high - self.low) * rng.random(n)

    @property
    def lowest(self) -> float:
        return float(self.low)

    @property
    def expected(self) -> float:
        """The mean of the distribution (minutes for durations)."""
        return float((self.low + self.high) / 2)


class Triangular(Strict):
    """Triangular with ``low`` <= ``mode`` <= ``high``."""

    dist: Literal["triangular"]
    low: SignedMinutes
    mode: SignedMinutes
    high: SignedMinutes

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"needs low <= mode <= high (got {self.low}, {self.mode}, {self.high})"
            )
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.low == self.high:
            return np.full(n, float(self.low))
        return rng.triangular(self.low, self.mode, self.high, n)

    @property
    def lowest(self) -> float:
        return float(self.low)

    @property
    def expected(self) -> float:
        """The mean of the distribution (minutes for durations)."""
        return float((self.low + self.mode + self.high) / 3)


class Empirical(Strict):
    """Resampling (with replacement) of observed ``values``, given inline or read from the
    numeric ``column`` of a CSV ``file`` (path relative to the scenario file)."""

    dist: Literal["empirical"]
    values: Annotated[tuple[SignedMinutes, ...], Field(strict=False)] | None = None  # a YAML list
    file: str | None = None
    column: str | None = None

    @model_validator(mode="after")
    def _load(self, info: ValidationInfo) -> Empirical:
        if (self.values is None) == (self.file is None):
            raise ValueError("give exactly one of 'values' (a list of numbers) or 'file' "
                             "(a CSV file, with 'column')")
        if self.file is not None:
            if self.column is None:
                raise ValueError("'file' needs 'column': the CSV column holding the values")
            try:
                values = read_csv_column(resolve_data_file(self.file, info), self.column)
            except ValueError as exc:
                raise field_error("file", str(exc)) from None
            object.__setattr__(self, "values", values)
        if not self.values:
            raise ValueError("needs at least one value")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), size=n)

    @property
    def lowest(self) -> float:
        return float(min(self.values or (0.0,)))

    @property
    def expected(self) -> float:
        """The mean of the distribution (minutes for durations)."""
        return float(sum(self.values or (0.0,)) / len(self.values or (0.0,)))


Distribution = Annotated[
    Exponential | Deterministic | Lognormal | Gamma | Normal | Uniform | Triangular | Empirical,
    Field(discriminator="dist"),
]
"""Any named distribution (may take negative values: use :data:`Duration` for durations)."""


def _nonnegative(dist: Distribution) -> Distribution:
    if dist.lowest < 0:
        raise ValueError(
            f"a duration cannot be negative, but this {dist.dist} distribution can give "
            f"values below 0 (lowest {dist.lowest})"
        )
    return dist


Duration = Annotated[Distribution, AfterValidator(_nonnegative)]
"""A distribution of durations in minutes: every value it can give is >= 0."""


def resolve_data_file(name: str, info: ValidationInfo) -> Path:
    """A data file named in a scenario, relative to the scenario file's folder."""
    base = Path((info.context or {}).get("base_dir", "."))
    path = Path(name) if Path(name).is_absolute() else base / name
    if not path.is_file():
        raise ValueError(f"no such data file: {path}")
    return path


def read_csv_column(path: Path, column: str) -> tuple[float, ...]:
    """The numbers in one column of a CSV file with a header row."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or column not in reader.fieldnames:
                raise ValueError(
                    f"{path}: no column '{column}' (columns: {', '.join(reader.fieldnames or [])})"
                )
            values = []
            for row_number, row in enumerate(reader, start=2):
                cell = (row[column] or "").strip()
                try:
                    value = float(cell)
                    if not abs(value) <= MAX_MINUTES:  # also refuses nan
                        raise ValueError
                    values.append(value)
                except ValueError:
                    raise ValueError(
                        f"{path}:{row_number}: column '{column}' must hold numbers of "
                        f"minutes within +-{MAX_MINUTES:,.0f} (got {cell!r})"
                    ) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path}: cannot read as CSV text ({exc})") from None
    return tuple(values)
