"""Ablation helpers: class groups of the synthetic benchmark, seed statistics, result tables."""

from mmaction_plugins.analysis.ablation_table import (
    SeedStats,
    claims_table,
    markdown_table,
    paired_difference,
    seed_stats,
    seed_table,
)
from mmaction_plugins.analysis.class_groups import class_groups, frequency_groups, group_means

__all__ = ['SeedStats', 'claims_table', 'class_groups', 'frequency_groups', 'group_means',
           'markdown_table', 'paired_difference', 'seed_stats', 'seed_table']
