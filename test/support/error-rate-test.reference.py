# Reference values for src/analysis/stats/error-rate-test.test.ts: the same e-process written
# independently in Python, with SciPy's brentq for the null projection.
# Run: python3 test/support/error-rate-test.reference.py        (the five mixed batches)
#      python3 test/support/error-rate-test.reference.py repeat (4/60 vs 2/240, twelve times)
# One route, one-second batches. The fail evidence is GRID_SHARE x the grid mixture (fixed
# multiples from the start) + (1 - GRID_SHARE) x the recent-window bettor; each batch's log
# factor capped at CAP nats. Stable rates: (x + PRIOR*pooled)/(n + PRIOR), pooled = (x+1/2)/(n+1),
# over the last STABLE_S (grid) or RECENT_S (recent bettor) batches.
import math
import sys

from scipy.optimize import brentq
from scipy.special import logsumexp

r, d = 1.5, 0.005
WORSE = [1.25, 1.5, 2, 3, 4, 6, 10]
WORSE_WEIGHTS = [w / 9 for w in [1, 1, 2, 2, 1, 1, 1]]
BETTER = [0.8, 0.6, 0.4, 0.2]
GRID_SHARE, RECENT_S, STABLE_S, PRIOR, CAP, LARGEST = 0.5, 5, 30, 50, 1.2 + 1.5, 10


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


def stable_rate(window):
    n = sum(b[1][0] for b in window)
    x = sum(b[1][1] for b in window)
    pooled = (x + 0.5) / (n + 1)
    return (x + PRIOR * pooled) / (n + PRIOR)


def log_ratio(batch, ps, multiple):
    (nc, xc), (ns, xs) = batch
    ac = min(multiple * (r * ps + d), 0.999)
    zc, zs = project(ac, ps, nc, ns)
    return llr(xc, nc, xs, ns, ac, ps, zc, zs)


batches = [((60, 3), (240, 2)), ((55, 4), (250, 3)), ((62, 2), (238, 1)), ((58, 5), (242, 4)), ((61, 3), (239, 2))]
if sys.argv[1:] == ['repeat']:
    batches = [((60, 4), (240, 2))] * 12
worse, better, recent, seen = [0.0] * len(WORSE), [0.0] * len(BETTER), 0.0, []
for batch in batches:
    if seen:
        ps = stable_rate(seen[-STABLE_S:])
        for i, m in enumerate(WORSE):
            worse[i] += min(CAP, log_ratio(batch, ps, m))
        for i, m in enumerate(BETTER):
            better[i] += log_ratio(batch, ps, m)
        window = seen[-RECENT_S:]
        pr = stable_rate(window)
        per_second = [(b[0][1], b[0][0] * (r * pr + d)) for b in window]
        if len(per_second) >= 3:
            per_second.remove(max(per_second, key=lambda s: s[0] - s[1]))
        multiple = min((sum(s[0] for s in per_second) + 0.5) / (sum(s[1] for s in per_second) + 0.5), LARGEST)
        if multiple > 1:
            recent += min(CAP, log_ratio(batch, pr, multiple))
    seen.append(batch)
    fail = logsumexp([logsumexp(worse, b=WORSE_WEIGHTS), recent], b=[GRID_SHARE, 1 - GRID_SHARE])
    print(fail, logsumexp(better) - math.log(len(BETTER)))
