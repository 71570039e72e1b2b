"""SKM index (PermenPANRB 14/2017): exact 1/9 weights, half-up rounding, grade boundaries."""

from decimal import Decimal
from fractions import Fraction

import pytest

from rumah_kemasan.reports import skm


def test_all_fours_give_100_and_grade_a():
    result = skm.ikm_from_answers([[4] * 9] * 7)
    assert result.ikm == Decimal("100.00")
    assert result.ikm_exact == 100
    assert (result.grade, result.quality) == ("A", "Sangat Baik")
    assert all(n == 4 for n in result.nrr)


def test_all_ones_give_25_and_grade_d():
    result = skm.ikm_from_answers([[1] * 9])
    assert result.ikm == Decimal("25.00")
    assert result.grade == "D"


def test_mixed_sample_matches_the_hand_computation():
    answers = [
        [4, 4, 3, 3, 4, 4, 4, 3, 2],
        [3, 4, 3, 2, 4, 3, 4, 3, 3],
        [4, 3, 2, 4, 3, 4, 4, 3, 1],
    ]
    # Element totals 11, 11, 8, 9, 11, 11, 12, 9, 6 = 88 over 3 respondents:
    # sum of NRR = 88/3; IKM = 88/3 / 9 * 25 = 2200/27 = 81.481... -> 81.48, grade B.
    result = skm.ikm_from_answers(answers)
    assert result.nrr == tuple(Fraction(n, 3) for n in (11, 11, 8, 9, 11, 11, 12, 9, 6))
    assert result.ikm_exact == Fraction(2200, 27)
    assert result.ikm == Decimal("81.48")
    assert (result.grade, result.quality) == ("B", "Baik")
    # The regulation's rounded weight 0.111 would have said 81.40: the weights are exactly 1/9.
    assert round(sum(float(n) * 0.111 for n in result.nrr) * 25, 2) == 81.40


@pytest.mark.parametrize(
    ("ikm", "grade"),
    [
        ("100.00", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25.00", "D"),
    ],
)
def test_grade_boundaries(ikm, grade):
    assert skm.grade_for(Decimal(ikm))[0] == grade


def test_rounding_is_half_up_on_the_exact_value():
    assert skm.round2(Fraction(883050, 10000)) == Decimal("88.31")
    assert skm.round2(Fraction(883049, 10000)) == Decimal("88.30")
    assert skm.grade_for(skm.round2(Fraction(883050, 10000)))[0] == "A"


def test_grade_follows_the_rounded_ikm():
    # 200 respondents, score total S over all elements: IKM = S / 200 / 9 * 25 = S / 72.
    # S = 6358 gives 88.3055... -> 88.31 -> A; S = 6357 gives 88.2916... -> 88.29 -> B.
    sums = [707, 707, 706, 706, 706, 706, 707, 707, 706]
    assert sum(sums) == 6358
    result = skm.ikm_from_sums(200, sums)
    assert result.ikm_exact == Fraction(6358, 72)
    assert result.ikm == Decimal("88.31")
    assert result.grade == "A"
    lower = skm.ikm_from_sums(200, [707, 707, 706, 706, 706, 706, 707, 706, 706])  # 6357/72
    assert lower.ikm == Decimal("88.29")
    assert lower.grade == "B"


def test_invalid_answers_are_refused():
    with pytest.raises(ValueError):
        skm.ikm_from_answers([[5] * 9])
    with pytest.raises(ValueError):
        skm.ikm_from_answers([[4] * 8])
    assert skm.ikm_from_sums(0, [0] * 9) is None
