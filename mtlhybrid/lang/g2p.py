"""A small letter-to-sound rule set: a pronunciation for words CMUdict does not have.

English spelling is irregular, so this is a fallback, not a G2P model: it gets simple
and regular words roughly right (``BLICK`` -> ``B L IH K``, ``SHAPE`` -> ``SH EY P``),
which is better than mapping a word of the transcripts to ``<UNK>`` when it is spoken
clearly. It works offline with no data, and every rule is visible below.

The rules are tried left to right, longest letter pattern first; a few patterns depend
on the position in the word (silent ``KN``/``WR`` at the start, final silent ``E``, the
"magic e" that lengthens the vowel in ``CAKE``, soft ``C``/``G`` before ``E``/``I``/``Y``).
Phones are the 39 CMUdict/ARPAbet phones without stress.
"""

from __future__ import annotations

import re
from typing import List

from mtlhybrid.utils.errors import MtlHybridError

VOWEL_LETTERS = set("AEIOU")
SHORT_VOWEL = {"A": "AE", "E": "EH", "I": "IH", "O": "AA", "U": "AH"}
LONG_VOWEL = {"A": "EY", "E": "IY", "I": "AY", "O": "OW", "U": "UW"}

# Letter groups, longest first within each length; values are phone sequences.
CLUSTERS = {
    4: {"EIGH": ["EY"], "TION": ["SH", "AH", "N"], "SION": ["ZH", "AH", "N"]},
    3: {"TCH": ["CH"], "IGH": ["AY"], "SCH": ["S", "K"], "DGE": ["JH"], "AIR": ["EH", "R"], "EAR": ["IH", "R"], "OUR": ["AW", "ER"]},
    2: {
        "TH": ["TH"], "SH": ["SH"], "CH": ["CH"], "PH": ["F"], "WH": ["W"], "CK": ["K"], "NG": ["NG"],
        "QU": ["K", "W"], "EE": ["IY"], "EA": ["IY"], "OO": ["UW"], "OA": ["OW"], "AI": ["EY"], "AY": ["EY"],
        "OI": ["OY"], "OY": ["OY"], "OU": ["AW"], "OW": ["OW"], "AU": ["AO"], "AW": ["AO"], "EW": ["UW"],
        "IE": ["IY"], "EI": ["IY"], "EY": ["IY"], "AR": ["AA", "R"], "ER": ["ER"], "IR": ["ER"], "UR": ["ER"],
        "OR": ["AO", "R"],
    },
}
CONSONANTS = {
    "B": ["B"], "D": ["D"], "F": ["F"], "H": ["HH"], "J": ["JH"], "K": ["K"], "L": ["L"], "M": ["M"],
    "N": ["N"], "P": ["P"], "R": ["R"], "S": ["S"], "T": ["T"], "V": ["V"], "W": ["W"], "X": ["K", "S"],
    "Z": ["Z"], "Q": ["K"],
}

_WORD = re.compile(r"^[A-Z']+$")


def can_pronounce(word: str) -> bool:
    """True if the rules cover every character of ``word`` (letters and apostrophes)."""
    return bool(_WORD.match(word.upper())) and any(c.isalpha() for c in word)


def letter_to_sound(word: str) -> List[str]:
    """Pronounce ``word`` (letters and apostrophes) with the rules above."""
    if not can_pronounce(word):
        raise MtlHybridError(f"cannot pronounce {word!r}: only letters A-Z and apostrophes are handled")
    w = word.upper().replace("'", "")
    n = len(w)
    # A final silent E (not in short words like "HE", "THE"), with its lengthening effect
    # on the vowel before a single consonant: CAKE, THEME, LINE, NOTE, TUNE.
    silent_final_e = n > 2 and w.endswith("E") and w[-2] not in VOWEL_LETTERS and any(c in "AEIOUY" for c in w[:-1])
    magic_vowel = -1
    if silent_final_e and n >= 3 and w[-3] in VOWEL_LETTERS and (n == 3 or w[-4] not in VOWEL_LETTERS):
        magic_vowel = n - 3
    end = n - 1 if silent_final_e else n
    out: List[str] = []
    i = 0
    while i < end:
        if i == 0 and w.startswith(("KN", "WR", "GN")):
            out.append({"K": "N", "W": "R", "G": "N"}[w[0]])
            i += 2
            continue
        matched = False
        for size in (4, 3, 2):
            chunk = w[i : i + size]
            if i + size <= end and chunk in CLUSTERS[size]:
                out += CLUSTERS[size][chunk]
                i += size
                matched = True
                break
        if matched:
            continue
        c = w[i]
        nxt = w[i + 1] if i + 1 < n else ""
        if i + 1 < end and nxt == c and c not in VOWEL_LETTERS:  # doubled consonant: one sound
            i += 1
            continue
        if c in VOWEL_LETTERS:
            out.append(LONG_VOWEL[c] if i == magic_vowel else SHORT_VOWEL[c])
        elif c == "Y":
            if i == 0:
                out.append("Y")
            elif i == end - 1:
                out.append("AY" if n <= 3 else "IY")
            else:
                out.append("IH")
        elif c == "C":
            out.append("S" if nxt in ("E", "I", "Y") else "K")
        elif c == "G":
            if nxt == "H":  # GH: silent inside a word (NIGHT is caught by IGH), G at the start
                if i == 0:
                    out.append("G")
                i += 2
                continue
            out.append("JH" if nxt in ("E", "I", "Y") and i > 0 else "G")
        else:
            out += CONSONANTS[c]
        i += 1
    if not out:  # e.g. a lone "E"
        out = [LONG_VOWEL.get(w[0], "AH")]
    return out


def add_stress(phones: List[str], vowels: set) -> List[str]:
    """Mark the first vowel primary-stressed (1) and the others unstressed (0)."""
    out, first = [], True
    for p in phones:
        if p in vowels:
            out.append(p + ("1" if first else "0"))
            first = False
        else:
            out.append(p)
    return out
