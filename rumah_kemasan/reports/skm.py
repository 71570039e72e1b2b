"""Indeks Kepuasan Masyarakat (PermenPANRB 14/2017), computed exactly.

Pure module: no Flask, no SQLAlchemy. NRR per element is the mean score (1-4); the IKM is the
mean of the nine NRRs times 25, i.e. every element weighs exactly 1/9 (the regulation's
"0,111" is a rounded 1/9, and using it would give 99.9 instead of 100 for a perfect score).
Fractions keep every step exact; only the final IKM is rounded, half up, to two decimals,
and the grade is read from that rounded value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
SCORES = (1, 2, 3, 4)

# (lowest rounded IKM for the grade, grade letter, Indonesian quality label)
GRADES = (
    (Decimal("88.31"), "A", "Sangat Baik"),
    (Decimal("76.61"), "B", "Baik"),
    (Decimal("65.00"), "C", "Kurang Baik"),
    (Decimal("25.00"), "D", "Tidak Baik"),
)


@dataclass(frozen=True)
class IKMResult:
    respondents: int
    nrr: tuple[Fraction, ...]  # exact mean score per element, U1..U9
    ikm_exact: Fraction
    ikm: Decimal  # rounded to two decimals, half up
    grade: str
    quality: str


def round2(value: Fraction) -> Decimal:
    """Round an exact fraction to two decimals, half up (as the regulation's tables do)."""
    scaled = value * 100
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return Decimal(whole).scaleb(-2)


def grade_for(ikm: Decimal) -> tuple[str, str]:
    """The grade letter and quality label for an IKM already rounded to two decimals."""
    for floor, letter, label in GRADES:
        if ikm >= floor:
            return letter, label
    return "D", "Tidak Baik"


def ikm_from_sums(respondents: int, sums: Sequence[int]) -> IKMResult | None:
    """The IKM from the number of respondents and the score total per element."""
    if respondents <= 0:
        return None
    if len(sums) != len(ELEMENTS):
        raise ValueError("nine element totals expected")
    nrr = tuple(Fraction(s, respondents) for s in sums)
    exact = sum(nrr, Fraction(0)) / len(ELEMENTS) * 25
    rounded = round2(exact)
    letter, label = grade_for(rounded)
    return IKMResult(respondents, nrr, exact, rounded, letter, label)


def ikm_from_answers(answers: Sequence[Sequence[int]]) -> IKMResult | None:
    """The IKM of a list of respondents, each with nine scores from 1 to 4."""
    for row in answers:
        if len(row) != len(ELEMENTS) or any(s not in SCORES for s in row):
            raise ValueError("each respondent gives nine scores from 1 to 4")
    sums = [sum(row[i] for row in answers) for i in range(len(ELEMENTS))]
    return ikm_from_sums(len(answers), sums)
