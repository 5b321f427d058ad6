"""mmaction_plugins: two-stage spatio-temporal action detection plugins for OpenMMLab.

Importing the package (configs do it with ``custom_imports = dict(imports=['mmaction_plugins'],
allow_failed_imports=False)``) first applies the upstream repairs in :mod:`mmaction_plugins.compat`
— they must precede any ``import mmaction.models`` — and then imports the sub-packages, whose
classes register themselves where they are defined.
"""

from mmaction_plugins import compat

compat.apply()

from mmaction_plugins import datasets, engine, evaluation, models  # noqa: E402

__version__ = '0.1.0'
__all__ = ["compat", "datasets", "engine", "evaluation", "models", "__version__"]
