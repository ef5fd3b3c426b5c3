# Reference values for src/analysis/stats/error-rate-test.test.ts: the same e-process written
# independently in Python, with SciPy's brentq for the null projection.
# Run: python3 test/support/error-rate-test.reference.py        (the five mixed batches)
#      python3 test/support/error-rate-test.reference.py repeat (4/60 vs 2/240, twelve times)
import math
import sys

from scipy.optimize import brentq
from scipy.special import logsumexp

r, d = 1.5, 0.005
WORSE = [1.25, 1.5, 2, 3, 4, 6, 10]
WORSE_WEIGHTS = [w / 9 for w in [1, 1, 2, 2, 1, 1, 1]]
BETTER = [0.8, 0.6, 0.4, 0.2]


def project(ac, as_, nc, ns):
    def h(z):
        zc = r * z + d
        return nc * (ac - zc) / (zc * (1 - zc)) + (ns / r) * (as_ - z) / (z * (1 - z))
    at = (ac - d) / r
    z = brentq(h, max(min(as_, at), 1e-300), max(as_, at), xtol=1e-300, rtol=1e-15, maxiter=500)
    return r * z + d, z


def llr(xc, nc, xs, ns, ac, as_, zc, zs):
    return (xc * math.log(ac / zc) + (nc - xc) * (math.log1p(-ac) - math.log1p(-zc))
            + xs * math.log(as_ / zs) + (ns - xs) * (math.log1p(-as_) - math.log1p(-zs)))


batches = [((60, 3), (240, 2)), ((55, 4), (250, 3)), ((62, 2), (238, 1)), ((58, 5), (242, 4)), ((61, 3), (239, 2))]
if sys.argv[1:] == ['repeat']:
    batches = [((60, 4), (240, 2))] * 12
worse, better, n, x = [0.0] * len(WORSE), [0.0] * len(BETTER), 0, 0
for (nc, xc), (ns, xs) in batches:
    if n > 0:
        ps = (x + 0.5) / (n + 1)
        bound = r * ps + d
        for logs, multiples in ((worse, WORSE), (better, BETTER)):
            for i, m in enumerate(multiples):
                ac = min(m * bound, 0.999)
                zc, zs = project(ac, ps, nc, ns)
                logs[i] += llr(xc, nc, xs, ns, ac, ps, zc, zs)
    n, x = n + ns, x + xs
    print(logsumexp(worse, b=WORSE_WEIGHTS), logsumexp(better) - math.log(len(BETTER)))
