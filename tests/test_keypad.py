"""The keypad against ITU-T Q.23's table, as the standard prints it."""

from dtmfkit import FREQUENCIES, KEYS

Q23 = """
      1209 1336 1477 1633
697   1    2    3    A
770   4    5    6    B
852   7    8    9    C
941   *    0    #    D
"""


def test_every_key_has_its_q23_pair() -> None:
    header, *rows = Q23.strip().splitlines()
    high = [int(f) for f in header.split()]
    expected = {}
    for row in rows:
        low, *keys = row.split()
        expected.update({key: (int(low), hz) for key, hz in zip(keys, high, strict=True)})
    assert dict(FREQUENCIES) == expected
    assert sorted(KEYS) == sorted(expected)
