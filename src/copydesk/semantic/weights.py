"""Fitted sentence-scorer weights (generated: do not edit by hand).

Written by ``python benchmarks/msrp.py --fit`` from the MSRP *training* split only; re-run it
after any change to :mod:`copydesk.semantic.lexical` features, then re-run the MSRP benchmark
and the rewrite corpus tests (thresholds in :class:`copydesk.semantic.RewriteConfig` read
these probabilities).
"""

from copydesk.semantic.lexical import FEATURE_NAMES
from copydesk.semantic.scorer import ScorerWeights

LEXICAL = ScorerWeights(
    features=FEATURE_NAMES,
    mean=(0.533721, 0.617417, 0.750868, 0.775283, 0.262512, 0.578829, 0.477935, 0.590274, 0.850691, 0.515898, 0.618671, 0.722575, 0.441606, 0.525327, 0.341101, 0.409908, 0.272043, 0.330442, 0.663004, 0.61251, 0.289218, 0.435333, 0.336289, 0.346994, 0.170591),
    scale=(0.200887, 0.183157, 0.190422, 0.394118, 0.44, 0.362892, 0.199935, 0.164689, 0.100177, 0.167924, 0.147417, 0.157577, 0.190057, 0.218071, 0.20875, 0.24593, 0.212541, 0.254719, 0.142155, 0.15457, 0.162231, 0.131948, 0.179382, 0.259473, 0.295575),
    coef=(-0.07985, -0.499266, 0.395947, -0.129388, -0.0519069, -0.0811858, 0.0353377, 0.231063, 0.227554, 0.603224, 0.0976711, 0.00157955, 0.336016, -0.404114, 0.118954, -0.562598, 0.14746, -0.450858, 0.778181, 0.048851, 0.101331, -0.382386, 0.114789, -0.0305913, -0.309829),
    intercept=1.03236,
    threshold=0.44,
)

MODELS: dict[str, ScorerWeights] = {
}
"""Weights of the lexical + cosine scorer, by model name (see ``copydesk.semantic.embed``)."""
