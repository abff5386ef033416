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
    mean=(0.533721, 0.617417, 0.750868, 0.775283, 0.262512, 0.578829, 0.477935, 0.590274, 0.850691, 0.515898),
    scale=(0.200887, 0.183157, 0.190422, 0.394118, 0.44, 0.362892, 0.199935, 0.164689, 0.100177, 0.167924),
    coef=(-0.307826, -0.046233, 0.444635, -0.233335, -0.407278, -0.106111, -0.911994, 0.50626, 0.376466, 1.461602),
    intercept=0.999367,
    threshold=0.370,
)

MODELS: dict[str, ScorerWeights] = {}
"""Weights of the lexical + cosine scorer, by model name (see ``copydesk.semantic.embed``)."""
