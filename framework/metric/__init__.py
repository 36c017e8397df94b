"""Evaluation metrics (mx.metric), MXNet 1.9.1 formulas: labels and predictions are lists of
NDArrays (numpy arrays are accepted too).  Per-batch values are accumulated as Python floats
(MXNet's NumPy 1.x accumulated them in float64)."""
from .base import (EvalMetric, CompositeEvalMetric, CustomMetric, create, register, alias,  # noqa
                   np, check_label_shapes)
from .classification import Accuracy, TopKAccuracy, F1, MCC, PCC  # noqa: F401
from .regression import (MAE, MSE, RMSE, CrossEntropy, NegativeLogLikelihood,  # noqa: F401
                         Perplexity, PearsonCorrelation, Loss)

__all__ = ['EvalMetric', 'CompositeEvalMetric', 'Accuracy', 'TopKAccuracy', 'F1', 'MCC',
           'Perplexity', 'MAE', 'MSE', 'RMSE', 'CrossEntropy', 'NegativeLogLikelihood',
           'PearsonCorrelation', 'PCC', 'Loss', 'CustomMetric', 'create', 'register', 'alias',
           'np', 'check_label_shapes']
