"""Independent model of src/core/rng.h: prints the values pinned by tests/unit/rng_test.cpp.

Written from the algorithms' definitions (splitmix64, xoshiro256**, 53-bit uniform, Box-Muller
with a spare), not from the C++ code, so the pinned values are a second opinion on the streams
the sampler and the synthetic corpus depend on. Run: /usr/bin/python3 tests/python/rng_oracle.py
"""
import math

M = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def splitmix64(x):
    z = (x + GAMMA) & M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def uniform(bits):
    return (bits >> 11) * 2.0**-53


class Counter:
    """The sampler's stream: splitmix64 of a counter that starts at splitmix64(seed)."""

    def __init__(self, seed):
        self.state = splitmix64(seed)

    @staticmethod
    def keyed(keys):
        h = 0x243F6A8885A308D3
        for k in keys:
            h = splitmix64(h ^ k)
        return Counter(h)

    def next(self):
        out = splitmix64(self.state)
        self.state = (self.state + 1) & M
        return out

    def below(self, n):
        limit = M - M % n
        while True:
            x = self.next()
            if x < limit:
                return x % n

    def shuffle(self, v):
        for i in range(len(v), 1, -1):
            j = self.below(i)
            v[i - 1], v[j] = v[j], v[i - 1]


class Xoshiro:
    """The synthetic corpus's stream: xoshiro256** seeded by the splitmix64 sequence."""

    def __init__(self, seed):
        self.s = [splitmix64((seed + i * GAMMA) & M) for i in range(4)]
        self.spare = None

    def next(self):
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
        s = self.s
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def normal(self):
        if self.spare is not None:
            out, self.spare = self.spare, None
            return out
        u1 = 1.0 - uniform(self.next())
        u2 = uniform(self.next())
        r = math.sqrt(-2.0 * math.log(u1))
        self.spare = r * math.sin(2.0 * math.pi * u2)
        return r * math.cos(2.0 * math.pi * u2)

    def below_biased(self, n):
        return (self.next() >> 33) % n


def main():
    print("splitmix64(0), splitmix64(1):", hex(splitmix64(0)), hex(splitmix64(1)))
    r = Counter(42)
    print("Counter(42).next() x4:", [hex(r.next()) for _ in range(4)])
    r = Counter.keyed([7, 3, 1])
    print("Counter.keyed({7,3,1}).next() x3:", [hex(r.next()) for _ in range(3)])
    r = Counter(5)
    print("Counter(5).uniform() x3:", [repr(uniform(r.next())) for _ in range(3)])
    r = Counter(9)
    print("Counter(9).below(10) x8:", [r.below(10) for _ in range(8)])
    r = Counter.keyed([1, 0, 3])
    v = list(range(10))
    r.shuffle(v)
    print("Counter.keyed({1,0,3}).shuffle(0..9):", v)
    x = Xoshiro(1)
    print("Xoshiro(1).next() x4:", [hex(x.next()) for _ in range(4)])
    x = Xoshiro(12345)
    print("Xoshiro(12345).uniform() x3:", [repr(uniform(x.next())) for _ in range(3)])
    x = Xoshiro(7)
    print("Xoshiro(7).normal() x4:", [repr(x.normal()) for _ in range(4)])
    x = Xoshiro(3)
    print("Xoshiro(3).below_biased(10) x8:", [x.below_biased(10) for _ in range(8)])


if __name__ == "__main__":
    main()
