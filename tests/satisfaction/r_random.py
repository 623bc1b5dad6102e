"""R's default random numbers, to rebuild the random splits behind published R fixtures.

R (>= 3.6) uses the Mersenne-Twister; ``set.seed(s)`` scrambles s with 50 steps of the congruential
generator s -> 69069 s + 1 and fills the 625 state words with further steps (the first word is the
position, reset to 624). ``sample()`` draws an index below n by rejection sampling: ceil(log2 n) bits of
floor(65536 u), redrawn while >= n; without replacement it swaps the drawn element with the last one
(R's src/main/random.c, do_sample and R_unif_index). numpy's MT19937 with the same state yields the
same 32-bit words. Used only by tests; checked by reproducing seminr's fixtures exactly.
"""

from __future__ import annotations

import numpy as np


class RRandom:
    def __init__(self, seed: int):
        s = seed
        for _ in range(50):
            s = (69069 * s + 1) & 0xFFFFFFFF
        words = []
        for _ in range(625):
            s = (69069 * s + 1) & 0xFFFFFFFF
            words.append(s)
        self.generator = np.random.MT19937()
        self.generator.state = {"bit_generator": "MT19937",
                                "state": {"key": np.array(words[1:], dtype=np.uint32), "pos": 624}}

    def uniform(self) -> float:
        return self.generator.random_raw() * 2.3283064365386963e-10

    def index(self, n: int) -> int:
        bits = int(np.ceil(np.log2(n)))
        while True:
            value = 0
            for _ in range(0, bits + 1, 16):
                value = 65536 * value + int(np.floor(self.uniform() * 65536))
            value &= (1 << bits) - 1
            if value < n:
                return value

    def sample(self, n: int) -> np.ndarray:
        """``sample(n)``: a permutation of 1..n."""
        pool, drawn = list(range(1, n + 1)), []
        for remaining in range(n, 0, -1):
            j = self.index(remaining)
            drawn.append(pool[j])
            pool[j] = pool[remaining - 1]
        return np.array(drawn)

    def sample_true_false(self, n: int) -> np.ndarray:
        """``sample(c(TRUE, FALSE), n, replace = TRUE)``."""
        return np.array([self.index(2) == 0 for _ in range(n)])
