"""The DTMF keypad: the 16 keys and their ITU-T Q.23 frequency pairs.

Each key sounds one tone of the low (row) group and one of the high (column) group::

             1209   1336   1477   1633 Hz
     697 Hz   1      2      3      A
     770 Hz   4      5      6      B
     852 Hz   7      8      9      C
     941 Hz   *      0      #      D

Examples
--------
>>> from dtmfkit._keypad import FREQUENCIES
>>> FREQUENCIES["5"]
(770, 1336)
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

__all__ = ["FREQUENCIES", "HIGH_GROUP_HZ", "KEYS", "LOW_GROUP_HZ", "ROWS"]

#: ITU-T Q.23, the low (row) group frequencies in Hz.
LOW_GROUP_HZ: Final = (697, 770, 852, 941)
#: ITU-T Q.23, the high (column) group frequencies in Hz.
HIGH_GROUP_HZ: Final = (1209, 1336, 1477, 1633)
#: The keypad rows, top to bottom, each left to right.
ROWS: Final = ("123A", "456B", "789C", "*0#D")
#: All 16 keys in row-major order; a key's index here is its code throughout dtmfkit.
KEYS: Final = "".join(ROWS)
#: Key → (low Hz, high Hz).
FREQUENCIES: Final = MappingProxyType(
    {
        key: (LOW_GROUP_HZ[row], HIGH_GROUP_HZ[col])
        for row, keys in enumerate(ROWS)
        for col, key in enumerate(keys)
    }
)
